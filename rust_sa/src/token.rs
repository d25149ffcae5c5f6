//! Token widths of the interchange format: what a token, a separator and a
//! document header are for uint16 and for uint32 parts.
//!
//! Invariant: for every width, `SEPARATOR > MAX_TOKEN`, so a body token is
//! never a separator and a part sorts with the separator as its largest
//! symbol; `header(id)` is `HEADER_TOKENS` long, starts with `SEPARATOR`,
//! and `doc_id(&header(id)) == id`. The layout itself is described in
//! the `format` module.

use std::fmt::Debug;

use crate::error::FormatError;

/// A token width of the interchange format (implemented by `u16` and `u32`).
pub trait Token:
    bytemuck::Pod + Copy + Ord + Eq + std::hash::Hash + Send + Sync + Debug + 'static
{
    /// Bytes per token in the files.
    const BYTES: usize;
    /// The first token of every document header.
    const SEPARATOR: Self;
    /// Tokens in a document header, separator included.
    const HEADER_TOKENS: usize;
    /// Largest id a document or a query may contain.
    const MAX_TOKEN: u32;
    /// The token as an integer.
    fn get(self) -> u32;
    /// The token with id `v`, if `v` fits the width.
    fn from_u32(v: u32) -> Option<Self>;
    /// The document id stored in a header (`header.len() == HEADER_TOKENS`).
    fn doc_id(header: &[Self]) -> u32;
    /// The header of document `id`.
    fn header(id: u32) -> Vec<Self>;
}

impl Token for u16 {
    const BYTES: usize = 2;
    const SEPARATOR: Self = 0xFFFF;
    // The separator and the id as two halves, low half first.
    const HEADER_TOKENS: usize = 3;
    const MAX_TOKEN: u32 = 0xFFFE;
    fn get(self) -> u32 {
        u32::from(self)
    }
    fn from_u32(v: u32) -> Option<Self> {
        u16::try_from(v).ok()
    }
    fn doc_id(header: &[Self]) -> u32 {
        u32::from(header[1]) | (u32::from(header[2]) << 16)
    }
    fn header(id: u32) -> Vec<Self> {
        vec![Self::SEPARATOR, (id & 0xFFFF) as u16, (id >> 16) as u16]
    }
}

impl Token for u32 {
    const BYTES: usize = 4;
    const SEPARATOR: Self = 0xFFFF_FFFF;
    const HEADER_TOKENS: usize = 2;
    // Below 2^31 - 1, so that a part can be sorted as an `i32` text with
    // the separator mapped to its largest symbol.
    const MAX_TOKEN: u32 = 0x7FFF_FFFE;
    fn get(self) -> u32 {
        self
    }
    fn from_u32(v: u32) -> Option<Self> {
        Some(v)
    }
    fn doc_id(header: &[Self]) -> u32 {
        header[1]
    }
    fn header(id: u32) -> Vec<Self> {
        vec![Self::SEPARATOR, id]
    }
}

/// A token width chosen at run time (a `token_bytes` argument), for the
/// callers that dispatch to the generic code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    U16,
    U32,
}

impl Width {
    /// The width of `bytes` per token; `arg` names the argument in the
    /// error (`token_bytes` in Python, `--token-bytes` on the command line).
    pub fn from_bytes(bytes: u8, arg: &'static str) -> Result<Self, FormatError> {
        match bytes {
            2 => Ok(Width::U16),
            4 => Ok(Width::U32),
            _ => Err(FormatError::TokenBytes { arg, bytes }),
        }
    }

    /// Bytes per token.
    pub fn bytes(self) -> usize {
        match self {
            Width::U16 => u16::BYTES,
            Width::U32 => u32::BYTES,
        }
    }
}

/// Converts token ids to width `T`, naming `what` (e.g. `query #3`) and the
/// position of the first id that does not fit.
pub fn tokens_from_ids<T: Token>(
    ids: impl IntoIterator<Item = u32>,
    what: impl Fn() -> String,
) -> Result<Vec<T>, FormatError> {
    ids.into_iter()
        .enumerate()
        .map(|(position, v)| {
            T::from_u32(v).ok_or_else(|| FormatError::TokenTooLarge {
                what: what(),
                position,
                token: v,
                max: T::MAX_TOKEN,
            })
        })
        .collect()
}

/// Refuses the first token above `max`, naming `what` holds it.
pub(crate) fn check_max<T: Token>(
    tokens: &[T],
    max: u32,
    what: impl FnOnce() -> String,
) -> Result<(), FormatError> {
    match tokens.iter().position(|t| t.get() > max) {
        None => Ok(()),
        Some(position) => Err(FormatError::TokenTooLarge {
            what: what(),
            position,
            token: tokens[position].get(),
            max,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers_round_trip<T: Token>() {
        for id in [0, 1, 0xFFFF, 0x0001_0000, u32::MAX] {
            let h = T::header(id);
            assert_eq!(
                (h.len(), h[0], T::doc_id(&h)),
                (T::HEADER_TOKENS, T::SEPARATOR, id)
            );
        }
        assert!(T::SEPARATOR.get() > T::MAX_TOKEN);
    }

    #[test]
    fn headers_hold_the_separator_and_the_id() {
        headers_round_trip::<u16>();
        headers_round_trip::<u32>();
    }

    #[test]
    fn widths_are_2_or_4_bytes() {
        assert_eq!(
            Width::from_bytes(4, "token_bytes").map(Width::bytes).ok(),
            Some(4)
        );
        let e = Width::from_bytes(3, "--token-bytes").unwrap_err();
        assert_eq!(e.to_string(), "--token-bytes must be 2 or 4, not 3");
        let e = tokens_from_ids::<u16>([1, 70_000], || "query #0".into()).unwrap_err();
        assert!(matches!(
            e,
            FormatError::TokenTooLarge {
                position: 1,
                token: 70_000,
                ..
            }
        ));
    }
}
