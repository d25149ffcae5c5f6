//! The text header of an `.npy` file: writing one, and parsing it back.
//!
//! Invariant: [`Header::parse`] accepts a header only if the data after it
//! has exactly the bytes its shape and dtype promise (no overflow), and
//! [`encode`] pads the header so that the data starts at a multiple of 64
//! bytes.

use super::MAGIC;

/// What an `.npy` header says about its array.
pub(super) struct Header {
    /// Where the data starts.
    pub offset: usize,
    /// NumPy's `descr`, little-endian (`=` and `|` read as `<`).
    pub descr: String,
    pub shape: Vec<usize>,
    /// The note in a comment after the dictionary, if any.
    pub note: Option<String>,
}

pub(super) fn encode(descr: &str, shape: &[usize], note: Option<&str>) -> Vec<u8> {
    encode_padded(descr, shape, note, 0)
}

/// [`encode`], padded to at least `min_len` bytes: a header rewritten in
/// place once the length of its array is known keeps the size reserved for it.
pub(super) fn encode_padded(
    descr: &str,
    shape: &[usize],
    note: Option<&str>,
    min_len: usize,
) -> Vec<u8> {
    let dims = match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {dims}, }}");
    if let Some(note) = note.filter(|n| valid_note(n)) {
        dict.push_str(" # ");
        dict.push_str(note);
    }
    // Pad so that the data starts at a multiple of 64 bytes, which keeps a
    // mapped array aligned for every element type.
    let unpadded = MAGIC.len() + 2 + 2 + dict.len() + 1;
    let total = unpadded.max(min_len).div_ceil(64) * 64;
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&((total - 10) as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out.resize(total - 1, b' ');
    out.push(b'\n');
    out
}

/// Whether `note` can stand in a header: printable ASCII, nothing that the
/// header's dictionary or line could be mistaken for.
fn valid_note(note: &str) -> bool {
    note.bytes()
        .all(|b| (b' '..=b'~').contains(&b) && !b"'\"{}#".contains(&b))
}

fn dict_value<'a>(dict: &'a str, key: &str) -> Option<&'a str> {
    let start = dict.find(&format!("'{key}'"))? + key.len() + 2;
    let rest = dict[start..].trim_start().strip_prefix(':')?.trim_start();
    let end = if rest.starts_with('(') {
        rest.find(')')? + 1
    } else {
        rest.find([',', '}'])?
    };
    Some(rest[..end].trim())
}

impl Header {
    /// Parses the header of the whole file `file`; the error says why it is
    /// not an array this crate reads.
    pub(super) fn parse(file: &[u8]) -> Result<Header, String> {
        if file.len() < 10 || &file[..6] != MAGIC {
            return Err("not an .npy file (bad magic)".into());
        }
        let (len_bytes, start) = match file[6] {
            1 => (u16::from_le_bytes([file[8], file[9]]) as usize, 10),
            2 | 3 if file.len() >= 12 => (
                u32::from_le_bytes([file[8], file[9], file[10], file[11]]) as usize,
                12,
            ),
            v => return Err(format!("unsupported .npy version {v}")),
        };
        let offset = start + len_bytes;
        if offset > file.len() {
            return Err("truncated .npy header".into());
        }
        let header = std::str::from_utf8(&file[start..offset]).map_err(|_| "header is not text")?;
        // The dictionary, and a note in a comment after it.
        let (dict, note) = match header.rfind('}') {
            Some(end) => (&header[..=end], header[end + 1..].trim().strip_prefix('#')),
            None => (header, None),
        };
        let note = note
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        let descr = dict_value(dict, "descr")
            .map(|d| d.trim_matches(|c| c == '\'' || c == '"').to_string())
            .ok_or("header has no descr")?;
        if dict_value(dict, "fortran_order") != Some("False") {
            return Err("only C-ordered arrays are supported".into());
        }
        let shape_text = dict_value(dict, "shape").ok_or("header has no shape")?;
        let shape = shape_text
            .trim_matches(|c| c == '(' || c == ')')
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<usize>()
                    .map_err(|_| format!("bad shape {shape_text}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let descr = descr.replace(['=', '|'], "<");
        let item = match descr.as_str() {
            "<u2" | "<i2" => 2usize,
            "<u4" | "<i4" => 4,
            "<u8" | "<i8" => 8,
            "<u1" | "<i1" => 1,
            other => {
                return Err(format!(
                    "unsupported dtype {other}; use a little-endian integer array"
                ))
            }
        };
        let data = file.len() - offset;
        let bytes = shape.iter().try_fold(item, |a: usize, &d| a.checked_mul(d));
        if bytes != Some(data) {
            return Err(format!(
                "shape {shape:?} of {item}-byte items does not match the {data} data bytes of the file"
            ));
        }
        Ok(Header {
            offset,
            descr,
            shape,
            note,
        })
    }
}
