//! Stage 1 — read: files and folders in, decoded [`Document`]s out.
//!
//! Reading is separate from normalising so that everything downstream can rely on one
//! fact: `Document::text` is exactly what the file says, decoded, and every offset zhitu
//! ever reports counts code points in it. Undecodable input is refused here, with the file
//! named, rather than half-read later.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// One input document, decoded.
#[derive(Debug, Clone)]
pub struct Document {
    /// The path as it is shown to users and stored (relative to the working folder when
    /// the file lies below it).
    pub path: String,
    /// The decoded text (a leading byte-order mark removed). All offsets count code points in it.
    pub text: String,
    /// The encoding the bytes were decoded from.
    pub encoding: &'static str,
    /// SHA-256 of the raw bytes, hex.
    pub sha256: String,
}

/// Lists the input files under `paths` (files as given; folders walked recursively for files
/// whose extension is in `extensions`), sorted and deduplicated so that runs are deterministic.
pub fn list_inputs(paths: &[PathBuf], extensions: &[String]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound(p.clone()),
            _ => Error::io(p, e),
        })?;
        if meta.is_dir() {
            let mut visited = Vec::new();
            walk(p, extensions, &mut out, &mut visited)?;
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(
    dir: &Path,
    extensions: &[String],
    out: &mut Vec<PathBuf>,
    visited: &mut Vec<PathBuf>,
) -> Result<()> {
    // Guard against symlink loops: never enter the same real folder twice.
    let real = std::fs::canonicalize(dir).map_err(|e| Error::io(dir, e))?;
    if visited.contains(&real) {
        return Ok(());
    }
    visited.push(real);
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let Ok(meta) = std::fs::metadata(&path) else {
            continue; // dangling link
        };
        if meta.is_dir() {
            walk(&path, extensions, out, visited)?;
        } else if has_extension(&path, extensions) {
            out.push(path);
        }
    }
    Ok(())
}

fn has_extension(path: &Path, extensions: &[String]) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    extensions.iter().any(|e| e.eq_ignore_ascii_case(&ext))
}

/// The name a path is shown and stored under: relative to the working folder when below it.
pub fn display_path(path: &Path) -> String {
    let shown = std::env::current_dir()
        .ok()
        .and_then(|cwd| {
            let abs = std::fs::canonicalize(path).ok()?;
            abs.strip_prefix(&cwd).ok().map(Path::to_path_buf)
        })
        .unwrap_or_else(|| path.to_path_buf());
    shown.to_string_lossy().replace('\\', "/")
}

/// Reads and decodes one file.
pub fn read_document(path: &Path) -> Result<Document> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let (text, encoding) = decode(&bytes).map_err(|reason| Error::BadInput {
        path: path.to_path_buf(),
        reason,
    })?;
    Ok(Document {
        path: display_path(path),
        text,
        encoding,
        sha256: hex(&Sha256::digest(&bytes)),
    })
}

/// Decodes bytes as UTF-8 (with or without BOM) or UTF-16 with BOM. Anything else is refused
/// with a reason naming what the bytes look like.
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), String> {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors {
            return Err(format!("bytes that are not valid {}", enc.name()));
        }
        return Ok((text.into_owned(), enc.name()));
    }
    if looks_binary(bytes) {
        return Err(format!("looks like {}, not text", describe_binary(bytes)));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((s.to_owned(), "UTF-8")),
        Err(e) => Err(format!(
            "not valid UTF-8 at byte {} (GBK/GB18030 and other encodings are not read yet)",
            e.valid_up_to()
        )),
    }
}

fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    head.starts_with(b"%PDF") || head.iter().filter(|&&b| b == 0).count() > head.len() / 100
}

fn describe_binary(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"%PDF") {
        "a PDF file"
    } else if bytes.starts_with(b"PK\x03\x04") {
        "a ZIP archive (or a .docx/.xlsx file)"
    } else if bytes.starts_with(b"\x89PNG") || bytes.starts_with(b"\xFF\xD8\xFF") {
        "an image"
    } else {
        "a binary file"
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_with_and_without_bom() {
        assert_eq!(decode("中关村".as_bytes()).unwrap().0, "中关村");
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("海淀".as_bytes());
        assert_eq!(decode(&bom).unwrap().0, "海淀");
    }

    #[test]
    fn decodes_utf16_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "清华".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode(&bytes).unwrap(), ("清华".to_owned(), "UTF-16LE"));
    }

    #[test]
    fn refuses_gbk_and_binaries_with_a_reason() {
        let (gbk, _, _) = encoding_rs::GBK.encode("北京大学");
        let err = decode(&gbk).unwrap_err();
        assert!(err.contains("not valid UTF-8 at byte 0"), "{err}");
        assert!(decode(b"%PDF-1.4\n\0\0").unwrap_err().contains("PDF"));
    }
}
