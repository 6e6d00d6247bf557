//! The parts of the ZIP format (APPNOTE 6.3) Zoho's bulk files use: the first entry's local
//! header and trailer, read from the front of a download, and a one-entry archive for an upload.
//!
//! Reading from the front (rather than from the central directory at the end) is what lets a
//! result be decoded while it streams, and resumed with a `Range` request.

use crate::shared::error::Error;

const LOCAL_HEADER: u32 = 0x0403_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const END_OF_CENTRAL_DIRECTORY: u32 = 0x0605_4b50;
const DATA_DESCRIPTOR: u32 = 0x0807_4b50;
/// General-purpose flag: sizes and CRC follow the data instead of sitting in the header.
const FLAG_DESCRIPTOR: u16 = 1 << 3;
/// General-purpose flag: the name is UTF-8.
const FLAG_UTF8: u16 = 1 << 11;
const METHOD_STORED: u16 = 0;
const METHOD_DEFLATE: u16 = 8;

/// The first entry of an archive, as its local header describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    /// Offset of the entry's compressed data from the start of the archive.
    pub data_start: u64,
    /// CRC-32 and size of the uncompressed data, when the header carries them (not when a data
    /// descriptor follows the data).
    pub crc: Option<u32>,
    pub size: Option<u64>,
}

fn damaged(message: &str) -> Error {
    Error::decode(format!(
        "the result file is not a ZIP archive Zoho would send: {message}"
    ))
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from(u32_at(bytes, at)) | (u64::from(u32_at(bytes, at + 4)) << 32)
}

/// Parses the first local header at the start of `bytes`; `None` while more bytes are needed.
pub fn first_entry(bytes: &[u8]) -> Result<Option<Entry>, Error> {
    if bytes.len() < 30 {
        return Ok(None);
    }
    if u32_at(bytes, 0) != LOCAL_HEADER {
        return Err(damaged("it does not start with a local file header"));
    }
    let flags = u16_at(bytes, 6);
    let method = u16_at(bytes, 8);
    if method != METHOD_DEFLATE {
        return Err(damaged(&format!(
            "its entry uses compression method {method}; only deflate (8) is read"
        )));
    }
    let name_len = usize::from(u16_at(bytes, 26));
    let extra_len = usize::from(u16_at(bytes, 28));
    let data_start = 30 + name_len + extra_len;
    if bytes.len() < data_start {
        return Ok(None);
    }
    let name = String::from_utf8_lossy(&bytes[30..30 + name_len]).into_owned();
    if flags & FLAG_DESCRIPTOR != 0 {
        return Ok(Some(Entry {
            name,
            data_start: data_start as u64,
            crc: None,
            size: None,
        }));
    }
    let mut size = u64::from(u32_at(bytes, 22));
    if size == u64::from(u32::MAX) {
        size = zip64_size(&bytes[30 + name_len..data_start]).ok_or_else(|| damaged("a ZIP64 size is missing"))?;
    }
    Ok(Some(Entry {
        name,
        data_start: data_start as u64,
        crc: Some(u32_at(bytes, 14)),
        size: Some(size),
    }))
}

/// The uncompressed size in a ZIP64 extended-information extra field.
fn zip64_size(mut extra: &[u8]) -> Option<u64> {
    while extra.len() >= 4 {
        let id = u16_at(extra, 0);
        let len = usize::from(u16_at(extra, 2));
        let body = extra.get(4..4 + len)?;
        if id == 0x0001 && body.len() >= 8 {
            return Some(u64_at(body, 0));
        }
        extra = &extra[4 + len..];
    }
    None
}

/// The CRC-32 in the data descriptor at the start of `bytes`; `None` while more are needed.
pub fn descriptor_crc(bytes: &[u8]) -> Option<u32> {
    if bytes.len() < 8 {
        return None;
    }
    // The descriptor's signature is optional: a CRC may happen to equal it, but then the
    // sizes follow and the real CRC is the next word (APPNOTE 4.3.9.3); writers all emit it.
    if u32_at(bytes, 0) == DATA_DESCRIPTOR {
        Some(u32_at(bytes, 4))
    } else {
        Some(u32_at(bytes, 0))
    }
}

/// Checks the decoded data against the entry's CRC and size.
pub fn verify(entry: &Entry, expected_crc: u32, crc: u32, size: u64) -> Result<(), Error> {
    if let Some(expected) = entry.size
        && expected != size
    {
        return Err(damaged(&format!(
            "{} should hold {expected} bytes but decoded to {size}",
            entry.name
        )));
    }
    if expected_crc != crc {
        return Err(damaged(&format!("{}'s checksum does not match its data", entry.name)));
    }
    Ok(())
}

/// An archive of one stored (uncompressed) entry. Uploads are small enough that compressing
/// inside the component would cost more time than the bytes it saves; callers with large
/// files (the CLI) zip them with deflate first.
pub fn single_entry(name: &str, data: &[u8]) -> Result<Vec<u8>, Error> {
    let size = u32::try_from(data.len())
        .ok()
        .filter(|&size| size < u32::MAX)
        .ok_or_else(|| Error::invalid("file", "must be smaller than 4 GiB to be zipped"))?;
    let name_len =
        u16::try_from(name.len()).map_err(|_| Error::invalid("fileName", "must be shorter than 65,536 bytes"))?;
    let crc = crc32fast::hash(data);
    let mut zip = Vec::new();
    zip.try_reserve(data.len() + 2 * name.len() + 128)
        .map_err(|_| Error::invalid("file", "is larger than the memory left to this call"))?;
    let put16 = |zip: &mut Vec<u8>, value: u16| zip.extend_from_slice(&value.to_le_bytes());
    let put32 = |zip: &mut Vec<u8>, value: u32| zip.extend_from_slice(&value.to_le_bytes());
    // Local header.
    put32(&mut zip, LOCAL_HEADER);
    put16(&mut zip, 20); // version needed: 2.0
    put16(&mut zip, FLAG_UTF8);
    put16(&mut zip, METHOD_STORED);
    put16(&mut zip, 0); // time
    put16(&mut zip, 0x21); // date: 1980-01-01
    put32(&mut zip, crc);
    put32(&mut zip, size);
    put32(&mut zip, size);
    put16(&mut zip, name_len);
    put16(&mut zip, 0);
    zip.extend_from_slice(name.as_bytes());
    zip.extend_from_slice(data);
    // Central directory.
    let central_start = u32::try_from(zip.len()).map_err(|_| Error::invalid("file", "is too large to zip"))?;
    put32(&mut zip, CENTRAL_HEADER);
    put16(&mut zip, 20); // made by
    put16(&mut zip, 20); // needed
    put16(&mut zip, FLAG_UTF8);
    put16(&mut zip, METHOD_STORED);
    put16(&mut zip, 0);
    put16(&mut zip, 0x21);
    put32(&mut zip, crc);
    put32(&mut zip, size);
    put32(&mut zip, size);
    put16(&mut zip, name_len);
    put16(&mut zip, 0); // extra
    put16(&mut zip, 0); // comment
    put16(&mut zip, 0); // disk
    put16(&mut zip, 0); // internal attributes
    put32(&mut zip, 0); // external attributes
    put32(&mut zip, 0); // local header offset
    zip.extend_from_slice(name.as_bytes());
    let central_len =
        u32::try_from(zip.len()).map_err(|_| Error::invalid("file", "is too large to zip"))? - central_start;
    put32(&mut zip, END_OF_CENTRAL_DIRECTORY);
    put16(&mut zip, 0);
    put16(&mut zip, 0);
    put16(&mut zip, 1);
    put16(&mut zip, 1);
    put32(&mut zip, central_len);
    put32(&mut zip, central_start);
    put16(&mut zip, 0);
    Ok(zip)
}

/// Whether `bytes` already are a ZIP archive (a local header comes first).
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.len() >= 4 && u32_at(bytes, 0) == LOCAL_HEADER
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::*;

    #[test]
    fn a_written_archive_reads_back_with_a_standard_reader() {
        let data = b"Last_Name,Email\nDoe,doe@example.com\n";
        let zip = single_entry("Leads.csv", data).expect("small");
        assert!(is_zip(&zip));
        let mut archive = ::zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("valid zip");
        let mut entry = archive.by_index(0).expect("one entry");
        assert_eq!(entry.name(), "Leads.csv");
        let mut read = Vec::new();
        entry.read_to_end(&mut read).expect("readable");
        assert_eq!(read, data);
    }

    #[test]
    fn the_first_entry_of_a_deflated_archive_is_found_with_or_without_a_descriptor() {
        let data = b"id,Last_Name\n1,Doe\n".repeat(50);
        let mut writer = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = ::zip::write::SimpleFileOptions::default().compression_method(::zip::CompressionMethod::Deflated);
        writer.start_file("123.csv", options).expect("entry");
        writer.write_all(&data).expect("in memory");
        let zip = writer.finish().expect("in memory").into_inner();
        let entry = first_entry(&zip).expect("valid").expect("complete");
        assert_eq!(entry.name, "123.csv");
        if let Some(size) = entry.size {
            assert_eq!(size, data.len() as u64);
        }
        assert_eq!(first_entry(&zip[..20]).expect("valid"), None);
        assert!(first_entry(b"not a zip file at all, no header here").is_err());
    }
}
