use super::*;
use crate::layout::build_part;

fn part(docs: &[(u32, &[u16])]) -> (Vec<u16>, Vec<u64>) {
    build_part(
        &docs
            .iter()
            .map(|(i, b)| (*i, b.to_vec()))
            .collect::<Vec<_>>(),
    )
}

#[test]
fn lists_documents_with_ids_and_token_ranges() {
    let (tokens, offsets) = part(&[(7, &[1, 2, 3]), (70_000, &[4]), (0, &[])]);
    let docs = documents(&tokens, &offsets).unwrap();
    assert_eq!(
        docs,
        vec![
            Document {
                id: 7,
                start: 3,
                end: 6
            },
            Document {
                id: 70_000,
                start: 9,
                end: 10
            },
            Document {
                id: 0,
                start: 13,
                end: 13
            },
        ]
    );
}

#[test]
fn u32_parts_have_two_token_headers() {
    let (tokens, offsets) = build_part::<u32>(&[(5, vec![100_000, 7]), (u32::MAX, vec![1])]);
    assert_eq!(tokens[..4], [u32::MAX, 5, 100_000, 7]);
    let docs = documents(&tokens, &offsets).unwrap();
    assert_eq!(
        docs[1],
        Document {
            id: u32::MAX,
            start: 6,
            end: 7
        }
    );
    let mut bad = tokens.clone();
    bad[3] = 0x8000_0000;
    assert!(matches!(
        documents(&bad, &offsets),
        Err(FormatError::TokenTooLarge {
            token: 0x8000_0000,
            ..
        })
    ));
    bad[3] = u32::SEPARATOR;
    assert!(matches!(
        documents(&bad, &offsets),
        Err(FormatError::SeparatorInside { position: 1, .. })
    ));
}

#[test]
fn rejects_bad_parts_with_specific_errors() {
    let (tokens, mut offsets) = part(&[(1, &[5, 6]), (2, &[7])]);
    assert!(matches!(
        documents(&tokens[..tokens.len() - 1], &offsets),
        Err(FormatError::WrongEnd { .. })
    ));
    offsets[1] = offsets[2];
    assert!(matches!(
        documents(&tokens, &offsets),
        Err(FormatError::NotMonotonic { .. })
    ));
    let (mut tokens, offsets) = part(&[(1, &[5, 6])]);
    tokens[0] = 9;
    assert!(matches!(
        documents(&tokens, &offsets),
        Err(FormatError::MissingSeparator { found: 9, .. })
    ));
    let (tokens, offsets) = part(&[(1, &[5, u16::SEPARATOR])]);
    assert!(matches!(
        documents(&tokens, &offsets),
        Err(FormatError::SeparatorInside { position: 1, .. })
    ));
    assert!(matches!(
        tokens_from_bytes::<u16>(&[1, 2, 3]),
        Err(FormatError::OddLength { .. })
    ));
    assert!(matches!(
        offsets_from_bytes(&[0; 9]),
        Err(FormatError::OddLength { .. })
    ));
    assert!(matches!(
        documents::<u16>(&[], &[]),
        Err(FormatError::EmptyPart)
    ));
    assert!(matches!(
        documents::<u16>(&[], &[0]),
        Err(FormatError::EmptyPart)
    ));
    assert!(matches!(
        documents::<u16>(&[u16::SEPARATOR, 0], &[0, 4]),
        Err(FormatError::ShortDocument { .. })
    ));
    assert!(matches!(
        documents::<u16>(&[u16::SEPARATOR, 0, 0], &[0, 3, 6]),
        Err(FormatError::OddLength { .. })
    ));
    assert!(matches!(
        documents::<u16>(&[u16::SEPARATOR], &[2, 2]),
        Err(FormatError::BadFirstOffset(2))
    ));
}

#[test]
fn vocabulary_bounds_body_tokens_only() {
    let (tokens, offsets) = part(&[(70_000, &[5, 9])]);
    let docs = documents(&tokens, &offsets).unwrap();
    assert!(check_vocabulary(&tokens, &docs, 10).is_ok());
    let e = check_vocabulary(&tokens, &docs, 9).unwrap_err();
    assert!(
        matches!(
            e,
            FormatError::TokenTooLarge {
                position: 1,
                token: 9,
                max: 8,
                ..
            }
        ),
        "{e}"
    );
}
