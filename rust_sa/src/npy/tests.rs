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

#[test]
fn appended_arrays_read_back_and_never_appear_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.npy");
    for pieces in [vec![], vec![vec![]], vec![vec![1u64, 2], vec![], vec![3]]] {
        let _ = std::fs::remove_file(&path);
        let mut a = Appender::<u64>::create(&path).unwrap();
        for p in &pieces {
            a.extend(p).unwrap();
        }
        assert!(!path.exists(), "the array appears only when finished");
        let want: Vec<u64> = pieces.concat();
        assert_eq!(a.finish().unwrap(), want.len());
        let m = NpyMap::open(&path).unwrap();
        assert_eq!((m.shape.clone(), m.offset % 64), (vec![want.len()], 0));
        assert_eq!(m.data::<u64>().unwrap(), want.as_slice());
    }
    // A long array's header takes the room reserved for it.
    let mut a = Appender::<u32>::create(&path).unwrap();
    let many: Vec<u32> = (0..1_000_003).collect();
    a.extend(&many).unwrap();
    a.finish().unwrap();
    assert_eq!(
        NpyMap::open(&path).unwrap().data::<u32>().unwrap(),
        many.as_slice()
    );
    // Dropped unfinished, it leaves the previous array and no temporary file.
    let mut a = Appender::<u32>::create(&path).unwrap();
    a.extend(&[9]).unwrap();
    drop(a);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["a.npy"]);
    assert_eq!(NpyMap::open(&path).unwrap().shape, vec![1_000_003]);
    assert!(Appender::<u32>::create(&dir.path().join("missing/b.npy")).is_err());
}
