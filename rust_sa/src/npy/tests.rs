use super::header::encode;
use super::*;

#[test]
fn round_trips_and_aligns_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.npy");
    write(&path, &[2, 3], &[1u32, 2, 3, 4, 5, 6]).unwrap();
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["a.npy"], "no temporary file may be left behind");
    assert!(write(&dir.path().join("missing/b.npy"), &[1], &[1u32]).is_err());
    let m = NpyMap::open(&path).unwrap();
    assert_eq!(m.shape, vec![2, 3]);
    assert_eq!(m.offset % 64, 0);
    assert_eq!(m.data::<u32>().unwrap(), &[1, 2, 3, 4, 5, 6]);
    assert!(m.data::<u64>().is_err());
    assert_eq!(m.to_u32().unwrap(), vec![1, 2, 3, 4, 5, 6]);
    write::<u64>(&path, &[0], &[]).unwrap();
    assert_eq!(
        NpyMap::open(&path).unwrap().data::<u64>().unwrap(),
        &[] as &[u64]
    );
    std::fs::write(&path, encode("<u8", &[1 << 62, 8], None)).unwrap();
    assert!(
        NpyMap::open(&path).is_err(),
        "an overflowing shape must be an error"
    );
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
