//! Minimal NumPy `.npy` (format 1.0) reading and writing for C-ordered
//! little-endian integer arrays.
//!
//! Written here rather than taken from a crate because the suffix array must
//! be memory-mapped: we need the data offset of the file, which the `.npy`
//! crates do not expose, and only a handful of integer dtypes.
//!
//! A header may carry a *note*: a Python comment after the dictionary
//! (`{...} # note`), which NumPy's parser (`ast.literal_eval`) skips. The
//! suffix array keeps its fingerprints there (see [`crate::fingerprint`]).
//! A note is one line of printable ASCII without quotes or braces.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use memmap2::Mmap;

use crate::io::{map_file, write_all_at, FormatError};

const MAGIC: &[u8] = b"\x93NUMPY";

/// Integer element types that `.npy` files of this crate hold.
pub trait Element: bytemuck::Pod {
    /// NumPy's `descr` of the type.
    const DESCR: &'static str;
}

impl Element for u16 {
    const DESCR: &'static str = "<u2";
}
impl Element for u32 {
    const DESCR: &'static str = "<u4";
}
impl Element for u64 {
    const DESCR: &'static str = "<u8";
}
impl Element for i64 {
    const DESCR: &'static str = "<i8";
}

fn header(descr: &str, shape: &[usize], note: Option<&str>) -> Vec<u8> {
    let dims = match shape {
        [n] => format!("({n},)"),
        _ => format!("({})", shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")),
    };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {dims}, }}");
    if let Some(note) = note.filter(|n| valid_note(n)) {
        dict.push_str(" # ");
        dict.push_str(note);
    }
    // Pad so that the data starts at a multiple of 64 bytes, which keeps a
    // mapped array aligned for every element type.
    let unpadded = MAGIC.len() + 2 + 2 + dict.len() + 1;
    let total = unpadded.div_ceil(64) * 64;
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
    note.bytes().all(|b| (b' '..=b'~').contains(&b) && !b"'\"{}#".contains(&b))
}

/// Writes `data` as an array of `shape` (whose product must be `data.len()`).
///
/// The file is written under a temporary name and renamed, so that `path`
/// never holds a partly written array.
pub fn write<E: Element>(path: &Path, shape: &[usize], data: &[E]) -> Result<(), FormatError> {
    write_with_note(path, shape, data, None)
}

/// [`write()`], with `note` in the header (dropped if it is not a valid note:
/// printable ASCII without quotes, braces or `#`).
pub fn write_with_note<E: Element>(
    path: &Path,
    shape: &[usize],
    data: &[E],
    note: Option<&str>,
) -> Result<(), FormatError> {
    debug_assert_eq!(shape.iter().product::<usize>(), data.len());
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    // The data goes from the caller's buffer straight to the file, without
    // passing through a user-space copy.
    let written = File::create(&tmp)
        .and_then(|mut f| {
            let head = header(E::DESCR, shape, note);
            f.write_all(&head)?;
            write_all_at(&f, bytemuck::cast_slice(data), head.len() as u64)
        })
        .and_then(|()| fs::rename(&tmp, path));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written.map_err(|reason| FormatError::Write {
        path: path.to_path_buf(),
        reason,
    })
}

/// A memory-mapped `.npy` array.
pub struct NpyMap {
    map: Option<Mmap>,
    offset: usize,
    /// NumPy's `descr`, e.g. `<u4`.
    pub descr: String,
    /// The array's shape.
    pub shape: Vec<usize>,
    /// The header's note, if any (see the module documentation).
    pub note: Option<String>,
    path: PathBuf,
}

fn bad(path: &Path, message: impl Into<String>) -> FormatError {
    FormatError::Npy {
        path: path.to_path_buf(),
        message: message.into(),
    }
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

impl NpyMap {
    /// Maps an `.npy` file and parses its header.
    pub fn open(path: &Path) -> Result<Self, FormatError> {
        let map = map_file(path)?.ok_or_else(|| bad(path, "empty file, not an .npy array"))?;
        if map.len() < 10 || &map[..6] != MAGIC {
            return Err(bad(path, "not an .npy file (bad magic)"));
        }
        let (len_bytes, start) = match map[6] {
            1 => (u16::from_le_bytes([map[8], map[9]]) as usize, 10),
            2 | 3 if map.len() >= 12 => (
                u32::from_le_bytes([map[8], map[9], map[10], map[11]]) as usize,
                12,
            ),
            v => return Err(bad(path, format!("unsupported .npy version {v}"))),
        };
        let offset = start + len_bytes;
        if offset > map.len() {
            return Err(bad(path, "truncated .npy header"));
        }
        let header = std::str::from_utf8(&map[start..offset]).map_err(|_| bad(path, "header is not text"))?;
        // The dictionary, and a note in a comment after it.
        let (dict, note) = match header.rfind('}') {
            Some(end) => (&header[..=end], header[end + 1..].trim().strip_prefix('#')),
            None => (header, None),
        };
        let note = note.map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
        let descr = dict_value(dict, "descr")
            .map(|d| d.trim_matches(|c| c == '\'' || c == '"').to_string())
            .ok_or_else(|| bad(path, "header has no descr"))?;
        if dict_value(dict, "fortran_order") != Some("False") {
            return Err(bad(path, "only C-ordered arrays are supported"));
        }
        let shape_text = dict_value(dict, "shape").ok_or_else(|| bad(path, "header has no shape"))?;
        let shape = shape_text
            .trim_matches(|c| c == '(' || c == ')')
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<usize>().map_err(|_| bad(path, format!("bad shape {shape_text}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let descr = descr.replace(['=', '|'], "<");
        let item = match descr.as_str() {
            "<u2" | "<i2" => 2usize,
            "<u4" | "<i4" => 4,
            "<u8" | "<i8" => 8,
            "<u1" | "<i1" => 1,
            other => return Err(bad(path, format!("unsupported dtype {other}; use a little-endian integer array"))),
        };
        let bytes = shape.iter().try_fold(item as usize, |a: usize, &d| a.checked_mul(d));
        if bytes != Some(map.len() - offset) {
            return Err(bad(
                path,
                format!("shape {shape:?} of {item}-byte items does not match the {} data bytes of the file", map.len() - offset),
            ));
        }
        Ok(NpyMap {
            map: Some(map),
            offset,
            descr,
            shape,
            note,
            path: path.to_path_buf(),
        })
    }

    /// The data as elements of `E`, which must match the file's dtype.
    pub fn data<E: Element>(&self) -> Result<&[E], FormatError> {
        if self.descr != E::DESCR {
            return Err(bad(&self.path, format!("dtype is {}, expected {}", self.descr, E::DESCR)));
        }
        let bytes = self.map.as_ref().map(|m| &m[self.offset..]).unwrap_or(&[]);
        bytemuck::try_cast_slice(bytes).map_err(|e| bad(&self.path, format!("misaligned data: {e}")))
    }

    /// Copies the data into `u32`s, accepting any unsigned integer dtype
    /// (tokens given as uint16 or uint32 arrays, for instance).
    pub fn to_u32(&self) -> Result<Vec<u32>, FormatError> {
        let bytes = self.map.as_ref().map(|m| &m[self.offset..]).unwrap_or(&[]);
        match self.descr.as_str() {
            "<u1" => Ok(bytes.iter().map(|&b| u32::from(b)).collect()),
            "<u2" => Ok(bytemuck::pod_collect_to_vec::<u8, u16>(bytes).into_iter().map(u32::from).collect()),
            "<u4" => Ok(bytemuck::pod_collect_to_vec(bytes)),
            "<i8" | "<u8" | "<i4" | "<i2" => {
                let wide: Vec<i64> = match self.descr.as_str() {
                    "<i8" => bytemuck::pod_collect_to_vec(bytes),
                    "<u8" => bytemuck::pod_collect_to_vec::<u8, u64>(bytes).into_iter().map(|v| v.min(i64::MAX as u64) as i64).collect(),
                    "<i4" => bytemuck::pod_collect_to_vec::<u8, i32>(bytes).into_iter().map(i64::from).collect(),
                    _ => bytemuck::pod_collect_to_vec::<u8, i16>(bytes).into_iter().map(i64::from).collect(),
                };
                wide.into_iter()
                    .map(|v| u32::try_from(v).map_err(|_| bad(&self.path, format!("value {v} is not a token id"))))
                    .collect()
            }
            other => Err(bad(&self.path, format!("dtype {other} cannot hold token ids"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_aligns_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.npy");
        write(&path, &[2, 3], &[1u32, 2, 3, 4, 5, 6]).unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["a.npy"], "no temporary file may be left behind");
        assert!(write(&dir.path().join("missing/b.npy"), &[1], &[1u32]).is_err());
        let m = NpyMap::open(&path).unwrap();
        assert_eq!(m.shape, vec![2, 3]);
        assert_eq!(m.offset % 64, 0);
        assert_eq!(m.data::<u32>().unwrap(), &[1, 2, 3, 4, 5, 6]);
        assert!(m.data::<u64>().is_err());
        assert_eq!(m.to_u32().unwrap(), vec![1, 2, 3, 4, 5, 6]);
        write::<u64>(&path, &[0], &[]).unwrap();
        assert_eq!(NpyMap::open(&path).unwrap().data::<u64>().unwrap(), &[] as &[u64]);
        std::fs::write(&path, header("<u8", &[1 << 62, 8], None)).unwrap();
        assert!(NpyMap::open(&path).is_err(), "an overflowing shape must be an error");
        std::fs::write(&path, b"\x93NUMPY\x01\x00\xff\xff").unwrap();
        assert!(NpyMap::open(&path).is_err());
    }

    #[test]
    fn notes_ride_in_a_comment_after_the_dictionary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.npy");
        write_with_note(&path, &[3], &[7u32, 8, 9], Some("part=0123 array=abcd")).unwrap();
        let m = NpyMap::open(&path).unwrap();
        assert_eq!(m.note.as_deref(), Some("part=0123 array=abcd"));
        assert_eq!((m.shape.clone(), m.offset % 64), (vec![3], 0));
        assert_eq!(m.data::<u32>().unwrap(), &[7, 8, 9]);
        let text = std::fs::read(&path).unwrap();
        assert!(text.windows(24).any(|w| w == b"} # part=0123 array=abcd"));
        // What cannot be a note is left out rather than break the header.
        for bad in ["x}", "it's", "a\nb", "#", "\u{e9}"] {
            write_with_note(&path, &[1], &[1u32], Some(bad)).unwrap();
            let m = NpyMap::open(&path).unwrap();
            assert_eq!((m.note, m.shape), (None, vec![1]), "{bad:?}");
        }
        write(&path, &[1], &[1u32]).unwrap();
        assert_eq!(NpyMap::open(&path).unwrap().note, None);
    }
}
