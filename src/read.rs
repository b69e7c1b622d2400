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

/// Decodes bytes: a byte-order mark decides (UTF-8, UTF-16LE/BE); else valid UTF-8 is
/// UTF-8; else the encoding is detected (chardetng: GB18030/GBK, Big5 and the rest) and the
/// bytes must decode without error. Anything else is refused with a reason that names what
/// the bytes look like or where decoding failed.
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), String> {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors {
            return Err(format!(
                "bytes that are not valid {} after its byte-order mark",
                enc.name()
            ));
        }
        return Ok((text.into_owned(), enc.name()));
    }
    if looks_binary(bytes) {
        return Err(format!("looks like {}, not text", describe_binary(bytes)));
    }
    let utf8_error = match std::str::from_utf8(bytes) {
        Ok(s) => return Ok((s.to_owned(), "UTF-8")),
        Err(e) => e.valid_up_to(),
    };
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    let guess = detector.guess(Some(b"cn"), true);
    // GBK text is decoded as GB18030, its superset, so that nothing is lost.
    let enc = if guess == encoding_rs::GBK {
        encoding_rs::GB18030
    } else {
        guess
    };
    if enc == encoding_rs::UTF_8 {
        return Err(format!("not valid UTF-8 at byte {utf8_error}"));
    }
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    if had_errors {
        let at = first_error(enc, bytes);
        return Err(format!(
            "not valid UTF-8 at byte {utf8_error}, nor {} (undecodable at byte {at})",
            enc.name()
        ));
    }
    Ok((text.into_owned(), enc.name()))
}

/// The byte offset of the first undecodable sequence.
fn first_error(enc: &'static encoding_rs::Encoding, bytes: &[u8]) -> usize {
    let mut decoder = enc.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(bytes.len() * 3);
    let mut read_total = 0;
    loop {
        let (result, read) =
            decoder.decode_to_string_without_replacement(&bytes[read_total..], &mut out, true);
        read_total += read;
        match result {
            encoding_rs::DecoderResult::Malformed(bad, _) => {
                return read_total.saturating_sub(bad as usize)
            }
            encoding_rs::DecoderResult::InputEmpty => return read_total,
            encoding_rs::DecoderResult::OutputFull => out.reserve(bytes.len()),
        }
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
    fn detects_gbk_and_decodes_it_as_gb18030() {
        let text =
            "中关村科技园区海淀园依托中国科学院、北京大学和清华大学，推动北京协同创新研究院建设。";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert_eq!(decode(&gbk).unwrap(), (text.to_owned(), "gb18030"));
    }

    #[test]
    fn refuses_binaries_and_broken_bytes_with_a_reason() {
        assert!(decode(b"%PDF-1.4\n\0\0").unwrap_err().contains("PDF"));
        let err = decode(b"\x81\x30\xff\xfe\xfd\x80\x80").unwrap_err();
        assert!(err.starts_with("not valid UTF-8 at byte 0"), "{err}");
    }
}
