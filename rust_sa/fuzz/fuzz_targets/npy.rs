//! `.npy` files from arbitrary bytes: an error, or an array whose data has
//! the size its header promises; read as queries, an error or rows whose
//! number and tokens the file's data bytes bound (a header alone must not
//! make the reader allocate).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rust_sa::npy::NpyMap;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("a.npy");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let Ok(m) = NpyMap::open(&path) else {
        return;
    };
    let n: usize = m.shape.iter().product();
    if let Ok(v) = m.to_u32() {
        assert_eq!(v.len(), n);
    }
    for rows in [
        rust_sa::queries::read_queries::<u16>(&path)
            .map(|q| q.into_iter().map(|r| r.len()).collect::<Vec<_>>()),
        rust_sa::queries::read_queries::<u32>(&path)
            .map(|q| q.into_iter().map(|r| r.len()).collect::<Vec<_>>()),
    ]
    .into_iter()
    .flatten()
    {
        assert!(rows.iter().all(|&len| len > 0), "an empty query was read");
        assert_eq!(rows.iter().sum::<usize>(), n);
        assert!(rows.len() <= data.len());
    }
});
