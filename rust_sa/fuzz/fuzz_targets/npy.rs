//! `.npy` files from arbitrary bytes: an error or an array whose data has the
//! size its header promises.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rust_sa::npy::NpyMap;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("a.npy");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    if let Ok(m) = NpyMap::open(&path) {
        let n: usize = m.shape.iter().product();
        if let Ok(v) = m.to_u32() {
            assert_eq!(v.len(), n);
        }
        let _ = rust_sa::io::read_queries::<u16>(&path);
    }
});
