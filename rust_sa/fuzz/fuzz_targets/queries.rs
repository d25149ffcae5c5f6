//! The original tool's query file from arbitrary bytes: an error or queries
//! that serialise back to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rust_sa::queries::{queries_from_bytes, queries_to_bytes};

fuzz_target!(|data: &[u8]| {
    if let Ok(q) = queries_from_bytes::<u16>(data) {
        assert_eq!(queries_to_bytes(&q), data);
    }
    if let Ok(q) = queries_from_bytes::<u32>(data) {
        assert_eq!(queries_to_bytes(&q), data);
    }
});
