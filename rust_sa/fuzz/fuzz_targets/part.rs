//! A part and its .size file from arbitrary bytes: validation must return an
//! error or documents that hold together, and every reader built on top of
//! valid documents must run without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rust_sa::io::{documents, offsets_from_bytes, tokens_from_bytes, Part};
use rust_sa::{count, sa, scan, selfsim};

fn check<T: sa::SaToken>(train: &[u8], size: &[u8]) {
    let (Ok(tokens), Ok(offsets)) = (tokens_from_bytes::<T>(train), offsets_from_bytes(size)) else {
        return;
    };
    let Ok(docs) = documents(&tokens, &offsets) else {
        return;
    };
    for d in &docs {
        assert!(d.start <= d.end && d.end <= tokens.len());
        assert!(tokens[d.start..d.end].iter().all(|t| t.get() <= T::MAX_TOKEN));
    }
    let Ok(part) = Part::from_tokens(tokens.clone(), &offsets) else {
        panic!("documents() accepted what Part::from_tokens rejects");
    };
    let n_body = tokens.len() - part.header_tokens();
    let Ok(array) = sa::build(part, 1) else {
        return;
    };
    let body = &array[..n_body];
    let q: Vec<T> = tokens.iter().copied().filter(|t| t.get() <= T::MAX_TOKEN).take(3).collect();
    if !q.is_empty() {
        count::count(&tokens, body, &q);
        let _ = scan::scan(&tokens, &docs, vec![q], 1, &|_| {});
    }
    selfsim::self_similar(&tokens, body, 2, &|_| {});
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    // The first byte says where the token file ends and the size file starts.
    let cut = (data[0] as usize * data.len() / 256).max(1);
    let (train, size) = data[1..].split_at(cut.min(data.len() - 1));
    check::<u16>(train, size);
    check::<u32>(train, size);
});
