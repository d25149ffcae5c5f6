use super::*;

#[test]
fn written_manifests_read_back_with_resolved_paths() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("idx");
    let elsewhere = dir.path().join("other.train");
    let parts = vec![
        PartFiles::of(&folder.join("a.train")),
        PartFiles::of(&elsewhere),
    ];
    let path = write(&folder, &parts, Width::U32, Some("gpt2")).unwrap();
    assert_eq!(path, folder.join(FILE_NAME));
    let text = fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("\"a.train\"") && text.contains("\"a.train.sa.npy\""),
        "{text}"
    );
    let m = read(&folder).unwrap();
    assert_eq!(m.parts, parts);
    assert_eq!(
        (m.width, m.tokenizer.as_deref()),
        (Width::U32, Some("gpt2"))
    );
    assert!(is_index(&folder) && !is_index(&path));
}

fn refusal(folder: &Path, json: &str) -> String {
    fs::write(folder.join(FILE_NAME), json).unwrap();
    read(folder).unwrap_err().to_string()
}

#[test]
fn bad_manifests_name_the_file_and_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path();
    let e = read(folder).unwrap_err();
    assert!(matches!(e, ManifestError::File(_)), "{e}");
    assert!(e.to_string().contains("index.json"), "{e}");
    let ok = r#"{"format": "rust_sa.index", "version": 1, "token_bytes": 2, "parts": [{"train": "p.train"}]}"#;
    fs::write(folder.join(FILE_NAME), ok).unwrap();
    let m = read(folder).unwrap();
    assert_eq!(m.parts, vec![PartFiles::of(&folder.join("p.train"))]);
    assert_eq!(m.tokenizer, None);
    for (json, says) in [
        (
            ok.replace("rust_sa.index", "other"),
            "field `format` is \"other\"",
        ),
        (
            ok.replace("\"version\": 1", "\"version\": 2"),
            "field `version` is 2",
        ),
        (
            ok.replace("\"token_bytes\": 2", "\"token_bytes\": 3"),
            "field `token_bytes` must be 2 or 4, not 3",
        ),
        (
            ok.replace("[{\"train\": \"p.train\"}]", "[]"),
            "field `parts` is empty",
        ),
        (
            ok.replace("\"p.train\"", "\"\""),
            "field `parts[0].train` is empty",
        ),
        (
            ok.replace("\"train\"", "\"tarin\""),
            "unknown field `tarin`",
        ),
        (
            ok.replace(", \"token_bytes\": 2", ""),
            "missing field `token_bytes`",
        ),
        ("not json".to_string(), "expected"),
    ] {
        let e = refusal(folder, &json);
        assert!(e.contains(says) && e.contains("index.json"), "{e}");
    }
    let file = folder.join("p.train");
    fs::write(&file, b"").unwrap();
    let e = read(&file).unwrap_err().to_string();
    assert!(e.contains("is a file, not an index folder"), "{e}");
}
