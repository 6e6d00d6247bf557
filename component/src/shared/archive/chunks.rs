//! Reads a zipped CSV one bounded chunk at a time: the rows of the chunk become JSON records
//! (header names as keys, every value a string, an empty cell `null`), and a [`Position`] says
//! where the next chunk starts, so that a later call can continue with a `Range` request from
//! the deflate block before it. Memory per call is the chunk, the 32 KiB window and one block.

use std::collections::VecDeque;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::deflate_checkpoints::{Checkpoint, Inflater, Step};
use super::zip::{self, Entry};
use crate::shared::error::Error;

/// Where the next chunk of a file starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// The file the position belongs to (a job id), so a cursor cannot be used on another.
    pub file: String,
    pub entry_name: String,
    pub data_start: u64,
    pub entry_crc: Option<u32>,
    pub entry_size: Option<u64>,
    /// The deflate block to start decoding at.
    pub block_bit: u64,
    pub block_out_pos: u64,
    pub block_crc: u32,
    /// Decoded bytes between the block's start and the next row.
    pub skip: u64,
    /// The CSV header row.
    pub columns: Vec<String>,
    /// Rows returned before this position.
    pub rows_before: u64,
    #[serde(skip)]
    pub window: Vec<u8>,
}

impl Position {
    /// The byte of the archive the download must start at.
    pub fn first_byte(&self) -> u64 {
        self.data_start + self.block_bit / 8
    }

    /// Opaque text for a platform to store: base64url of the JSON fields and the raw window.
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        let mut bytes = Vec::with_capacity(4 + json.len() + self.window.len());
        bytes.extend_from_slice(&(json.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&json);
        bytes.extend_from_slice(&self.window);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Reads a position back; `input` names the input it came from in errors.
    pub fn decode(text: &str, input: &str) -> Result<Self, Error> {
        let invalid = || {
            Error::invalid(
                input,
                "is not a position this action returned; pass the nextOffset of the previous chunk unchanged",
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| invalid())?;
        let json_len = bytes
            .get(..4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
            .ok_or_else(invalid)?;
        let json = bytes.get(4..4 + json_len).ok_or_else(invalid)?;
        let mut position: Position = serde_json::from_slice(json).map_err(|_| invalid())?;
        position.window = bytes[4 + json_len..].to_vec();
        if position.window.len() > super::deflate_checkpoints::WINDOW || position.columns.is_empty() {
            return Err(invalid());
        }
        Ok(position)
    }

    fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            bit: self.block_bit,
            out_pos: self.block_out_pos,
            crc: self.block_crc,
            window: self.window.clone(),
        }
    }
}

/// The bytes of a download, piece by piece.
pub trait ByteSource {
    /// The next piece; `None` at the end of the body.
    fn next_piece(&mut self) -> Result<Option<Vec<u8>>, Error>;
}

/// One chunk of rows.
#[derive(Debug)]
pub struct Chunk {
    /// The rows as a JSON array of objects.
    pub records: String,
    pub count: usize,
    pub columns: Vec<String>,
    /// Where the next chunk starts; `None` when the file has been read to its end (and its
    /// checksum verified).
    pub next: Option<Position>,
    /// Rows returned before this chunk.
    pub rows_before: u64,
    /// CSV bytes read up to the end of this chunk.
    pub csv_offset: u64,
}

fn truncated() -> Error {
    Error::decode("the result file ended before its last row; download it again")
}

/// Reads the chunk starting at `position` (the start of the file when `None`) from `source`,
/// whose first byte is byte `body_start` of the archive. Stops after the row that takes the
/// chunk to `max_bytes` of CSV (always at least one row).
pub fn read_chunk(
    file: &str,
    source: &mut dyn ByteSource,
    body_start: u64,
    position: Option<Position>,
    max_bytes: usize,
) -> Result<Chunk, Error> {
    let mut pending_input: Vec<u8> = Vec::new();
    let mut source_done = false;
    let mut pull = |pending: &mut Vec<u8>, done: &mut bool| -> Result<bool, Error> {
        if *done {
            return Ok(false);
        }
        match source.next_piece()? {
            Some(piece) => {
                pending
                    .try_reserve(piece.len())
                    .map_err(|_| Error::decode("the download is larger than the memory left to this call"))?;
                pending.extend_from_slice(&piece);
                Ok(true)
            }
            None => {
                *done = true;
                Ok(false)
            }
        }
    };

    // Find the entry and the first compressed byte to decode.
    let (entry, checkpoint, skip, mut columns, rows_before) = match position {
        None => {
            if body_start != 0 {
                return Err(Error::decode("the download did not start at the beginning of the file"));
            }
            let entry = loop {
                if let Some(entry) = zip::first_entry(&pending_input)? {
                    break entry;
                }
                if !pull(&mut pending_input, &mut source_done)? {
                    return Err(truncated());
                }
            };
            if !entry.name.to_ascii_lowercase().ends_with(".csv") {
                return Err(Error::decode(format!(
                    "the result holds {}, not a CSV file; only CSV results are read as records",
                    entry.name
                )));
            }
            let data_start = usize::try_from(entry.data_start).unwrap_or(usize::MAX);
            pending_input.drain(..data_start.min(pending_input.len()));
            (entry, Checkpoint::start(), 0, Vec::new(), 0)
        }
        Some(position) => {
            if position.file != file {
                return Err(Error::invalid(
                    "offset",
                    format!(
                        "belongs to job {}, not {file}; pass the nextOffset of this job's previous chunk",
                        position.file
                    ),
                ));
            }
            let wanted = position.first_byte();
            if body_start > wanted {
                return Err(Error::decode("the download started past the requested position"));
            }
            let mut to_skip = wanted - body_start;
            while to_skip > 0 {
                if pending_input.is_empty() && !pull(&mut pending_input, &mut source_done)? {
                    return Err(truncated());
                }
                let n = usize::try_from(to_skip).unwrap_or(usize::MAX).min(pending_input.len());
                pending_input.drain(..n);
                to_skip -= n as u64;
            }
            let entry = Entry {
                name: position.entry_name.clone(),
                data_start: position.data_start,
                crc: position.entry_crc,
                size: position.entry_size,
            };
            let checkpoint = position.checkpoint();
            (entry, checkpoint, position.skip, position.columns, position.rows_before)
        }
    };

    let mut inflater = Inflater::resume(&checkpoint);
    inflater.push_input(&pending_input)?;
    pending_input = Vec::new();
    let start_csv_offset = checkpoint.out_pos + skip;
    let mut checkpoints = VecDeque::from([checkpoint]);
    let mut skip_left = skip;
    let mut rows = RowWriter::new(columns.clone(), max_bytes)?;
    let mut reader = csv_core::Reader::new();
    let mut record_end = start_csv_offset;
    let mut stopped = false;

    'decode: loop {
        match inflater.step()? {
            Step::NeedInput => {
                if !pull(&mut pending_input, &mut source_done)? {
                    return Err(truncated());
                }
                inflater.push_input(&pending_input)?;
                pending_input.clear();
                continue;
            }
            Step::End => break,
            Step::Block => {}
        }
        if skip_left > 0 {
            let n = usize::try_from(skip_left)
                .unwrap_or(usize::MAX)
                .min(inflater.pending().len());
            inflater.take(n);
            skip_left -= n as u64;
        }
        loop {
            let pending = inflater.pending();
            if pending.is_empty() {
                break;
            }
            let (outcome, used) = rows.feed(&mut reader, pending)?;
            let at = inflater.pending_pos() + used as u64;
            inflater.take(used);
            match outcome {
                Fed::NeedMore => break,
                Fed::Row => {
                    record_end = at;
                    if columns.is_empty() {
                        columns = rows.take_header();
                    } else {
                        rows.commit_row()?;
                    }
                    while checkpoints.len() > 1 && checkpoints[1].out_pos <= record_end {
                        checkpoints.pop_front();
                    }
                    // A final line break alone is not another row worth a call of its own.
                    let more_follows =
                        !inflater.finished() || inflater.pending().iter().any(|b| !matches!(b, b'\r' | b'\n'));
                    if rows.is_full(record_end - start_csv_offset) && more_follows {
                        stopped = true;
                        break 'decode;
                    }
                }
            }
        }
        checkpoints.push_back(inflater.checkpoint());
    }

    if stopped {
        let block = checkpoints.pop_front().unwrap_or_else(Checkpoint::start);
        let rows_total = rows_before + rows.count as u64;
        let next = Position {
            file: file.to_owned(),
            entry_name: entry.name.clone(),
            data_start: entry.data_start,
            entry_crc: entry.crc,
            entry_size: entry.size,
            block_bit: block.bit,
            block_out_pos: block.out_pos,
            block_crc: block.crc,
            skip: record_end - block.out_pos,
            columns: columns.clone(),
            rows_before: rows_total,
            window: block.window,
        };
        return Ok(rows.finish(columns, Some(next), rows_before, record_end));
    }

    // The data has ended: the last row may lack its line break.
    let (outcome, _) = rows.feed(&mut reader, &[])?;
    if outcome == Fed::Row {
        if columns.is_empty() {
            columns = rows.take_header();
        } else {
            rows.commit_row()?;
        }
    }
    let expected_crc = match entry.crc {
        Some(crc) => crc,
        None => {
            let mut trailer = inflater.unused_input().to_vec();
            loop {
                if let Some(crc) = zip::descriptor_crc(&trailer) {
                    break crc;
                }
                if !pull(&mut trailer, &mut source_done)? {
                    return Err(truncated());
                }
            }
        }
    };
    let size = inflater.pending_pos();
    zip::verify(&entry, expected_crc, inflater.crc(), size)?;
    Ok(rows.finish(columns, None, rows_before, size))
}

#[derive(Debug, PartialEq, Eq)]
enum Fed {
    Row,
    NeedMore,
}

/// Turns CSV rows into JSON objects as they are parsed.
struct RowWriter {
    /// `"name":` for each column, escaped once.
    keys: Vec<String>,
    max_bytes: usize,
    out: Vec<u8>,
    count: usize,
    fields: Vec<u8>,
    ends: Vec<usize>,
    field_count: usize,
    field_bytes: usize,
}

impl RowWriter {
    fn new(columns: Vec<String>, max_bytes: usize) -> Result<Self, Error> {
        let mut writer = RowWriter {
            keys: Vec::new(),
            max_bytes,
            out: Vec::new(),
            count: 0,
            fields: vec![0; 4096],
            ends: vec![0; 64],
            field_count: 0,
            field_bytes: 0,
        };
        writer.set_columns(&columns);
        // Room for the records of a typical chunk (their JSON repeats the column names, about
        // two and a half times the CSV), and for what an action's output adds around them (a
        // position is about 45 KB): growing a buffer this size by doubling would briefly hold
        // both copies.
        let wanted = max_bytes.min(16 << 20);
        let room = 64 << 10;
        if writer.out.try_reserve(wanted / 2 * 5 + room).is_err() {
            writer
                .out
                .try_reserve(wanted + room)
                .map_err(|_| Error::decode("maxBytes is more than the memory left to this call; ask for less"))?;
        }
        writer.out.push(b'[');
        Ok(writer)
    }

    fn set_columns(&mut self, columns: &[String]) {
        self.keys = columns
            .iter()
            .map(|c| format!("{}:", serde_json::Value::String(c.clone())))
            .collect();
    }

    /// Parses from `input`; returns whether a row ended and how many bytes were used.
    fn feed(&mut self, reader: &mut csv_core::Reader, input: &[u8]) -> Result<(Fed, usize), Error> {
        let mut used = 0;
        loop {
            let (result, nin, nout, nend) = reader.read_record(
                &input[used..],
                &mut self.fields[self.field_bytes..],
                &mut self.ends[self.field_count..],
            );
            used += nin;
            self.field_bytes += nout;
            self.field_count += nend;
            match result {
                csv_core::ReadRecordResult::InputEmpty => return Ok((Fed::NeedMore, used)),
                csv_core::ReadRecordResult::OutputFull => {
                    let grown = self.fields.len() * 2;
                    if grown > 64 << 20 {
                        return Err(Error::decode("a row of the result file is larger than 32 MiB"));
                    }
                    self.fields.resize(grown, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    let grown = self.ends.len() * 2;
                    self.ends.resize(grown, 0);
                }
                csv_core::ReadRecordResult::Record => return Ok((Fed::Row, used)),
                csv_core::ReadRecordResult::End => return Ok((Fed::NeedMore, used)),
            }
        }
    }

    fn field(&self, index: usize) -> &[u8] {
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        &self.fields[start..self.ends[index]]
    }

    fn reset_row(&mut self) {
        self.field_count = 0;
        self.field_bytes = 0;
    }

    /// The row just parsed, as the header.
    fn take_header(&mut self) -> Vec<String> {
        let columns: Vec<String> = (0..self.field_count)
            .map(|i| String::from_utf8_lossy(self.field(i)).into_owned())
            .collect();
        self.set_columns(&columns);
        self.reset_row();
        columns
    }

    /// Writes the row just parsed as a JSON object.
    fn commit_row(&mut self) -> Result<(), Error> {
        if self.field_count != self.keys.len() {
            let row = self.count + 1;
            let found = self.field_count;
            self.reset_row();
            return Err(Error::decode(format!(
                "a row of the result file has {found} cells where its header has {}; (row {row} of this chunk)",
                self.keys.len()
            )));
        }
        // Escaping at most sextuples a byte; keys and punctuation come on top.
        let bound = self.field_bytes * 6 + self.keys.iter().map(String::len).sum::<usize>() + 8 * self.keys.len() + 4;
        self.out.try_reserve(bound).map_err(|_| {
            Error::decode("the chunk is larger than the memory left to this call; ask for a smaller maxBytes")
        })?;
        if self.count > 0 {
            self.out.push(b',');
        }
        self.out.push(b'{');
        for index in 0..self.field_count {
            if index > 0 {
                self.out.push(b',');
            }
            self.out.extend_from_slice(self.keys[index].as_bytes());
            let start = if index == 0 { 0 } else { self.ends[index - 1] };
            let value = &self.fields[start..self.ends[index]];
            if value.is_empty() {
                self.out.extend_from_slice(b"null");
            } else {
                let text = String::from_utf8_lossy(value);
                // Writing into a Vec cannot fail.
                let _ = serde_json::to_writer(&mut self.out, text.as_ref());
            }
        }
        self.out.push(b'}');
        self.count += 1;
        self.reset_row();
        Ok(())
    }

    fn is_full(&self, csv_bytes: u64) -> bool {
        self.count > 0 && csv_bytes >= self.max_bytes as u64
    }

    fn finish(mut self, columns: Vec<String>, next: Option<Position>, rows_before: u64, csv_offset: u64) -> Chunk {
        self.out.push(b']');
        Chunk {
            // Built from JSON punctuation and serde_json's string output only.
            records: String::from_utf8(self.out).unwrap_or_else(|_| "[]".to_owned()),
            count: self.count,
            columns,
            next,
            rows_before,
            csv_offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    struct Pieces {
        bytes: Vec<u8>,
        at: usize,
        piece: usize,
    }

    impl ByteSource for Pieces {
        fn next_piece(&mut self) -> Result<Option<Vec<u8>>, Error> {
            if self.at >= self.bytes.len() {
                return Ok(None);
            }
            let end = (self.at + self.piece).min(self.bytes.len());
            let piece = self.bytes[self.at..end].to_vec();
            self.at = end;
            Ok(Some(piece))
        }
    }

    fn zipped_csv(rows: usize, descriptor: bool) -> (Vec<u8>, Vec<String>) {
        let mut csv = String::from("id,Last_Name,Description,Empty\r\n");
        let mut ids = Vec::new();
        for row in 0..rows {
            let id = format!("{}", 6_000_000_000_000_000_000u64 + row as u64);
            csv.push_str(&format!(
                "{id},Näme {},\"a \"\"quoted\"\", multi\nline {}\",\r\n",
                row % 101,
                row * 7 % 1000
            ));
            ids.push(id);
        }
        if !descriptor {
            let cursor = std::io::Cursor::new(Vec::new());
            let mut zip = ::zip::ZipWriter::new(cursor);
            let options =
                ::zip::write::SimpleFileOptions::default().compression_method(::zip::CompressionMethod::Deflated);
            zip.start_file("4000000123.csv", options).expect("entry");
            zip.write_all(csv.as_bytes()).expect("in memory");
            return (zip.finish().expect("in memory").into_inner(), ids);
        }
        // As a streaming writer (java.util.zip's ZipOutputStream) lays it out: no CRC or sizes
        // in the header, a data descriptor after the data.
        let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(csv.as_bytes()).expect("in memory");
        let data = encoder.finish().expect("in memory");
        let name = b"4000000123.csv";
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        bytes.extend_from_slice(&[20, 0, 8, 0, 8, 0, 0, 0, 0x21, 0]);
        bytes.extend_from_slice(&[0; 12]);
        bytes.extend_from_slice(&(name.len() as u16).to_le_bytes());
        bytes.extend_from_slice(&[0, 0]);
        bytes.extend_from_slice(name);
        bytes.extend_from_slice(&data);
        bytes.extend_from_slice(&0x0807_4b50u32.to_le_bytes());
        bytes.extend_from_slice(&crc32fast::hash(csv.as_bytes()).to_le_bytes());
        bytes.extend_from_slice(&(data.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&(csv.len() as u32).to_le_bytes());
        (bytes, ids)
    }

    /// Reads the whole file in chunks, passing each position through its text form.
    fn read_all(bytes: &[u8], max_bytes: usize, ranges: bool) -> (Vec<serde_json::Value>, usize) {
        let mut position: Option<Position> = None;
        let mut records = Vec::new();
        let mut calls = 0;
        loop {
            calls += 1;
            let start = if ranges {
                position.as_ref().map_or(0, Position::first_byte)
            } else {
                0
            };
            let mut source = Pieces {
                bytes: bytes[usize::try_from(start).expect("small")..].to_vec(),
                at: 0,
                piece: 3000,
            };
            let chunk = read_chunk("4000000123", &mut source, start, position.take(), max_bytes).expect("chunk");
            let parsed: Vec<serde_json::Value> = serde_json::from_str(&chunk.records).expect("json");
            assert_eq!(parsed.len(), chunk.count);
            assert_eq!(chunk.rows_before, records.len() as u64);
            records.extend(parsed);
            match chunk.next {
                Some(next) => position = Some(Position::decode(&next.encode(), "offset").expect("round trip")),
                None => return (records, calls),
            }
        }
    }

    #[test]
    fn every_row_comes_once_across_chunks_with_ids_as_strings() {
        let (bytes, ids) = zipped_csv(5_000, false);
        for (max_bytes, ranges) in [(usize::MAX, true), (40_000, true), (7_000, false), (1, true)] {
            if max_bytes == 1 {
                // One row per call: only the first few hundred, to keep the test quick.
                let (small, small_ids) = zipped_csv(300, true);
                let (records, calls) = read_all(&small, 1, true);
                assert_eq!(records.len(), small_ids.len());
                assert_eq!(calls, small_ids.len());
                continue;
            }
            let (records, calls) = read_all(&bytes, max_bytes, ranges);
            let got: Vec<&str> = records.iter().map(|r| r["id"].as_str().expect("string id")).collect();
            assert_eq!(
                got,
                ids.iter().map(String::as_str).collect::<Vec<_>>(),
                "max {max_bytes}"
            );
            if max_bytes < 100_000 {
                assert!(calls > 5, "{calls} calls for {max_bytes}");
            }
            assert_eq!(records[3]["Description"], "a \"quoted\", multi\nline 21");
            assert_eq!(records[3]["Last_Name"], "Näme 3");
            assert_eq!(records[3]["Empty"], serde_json::Value::Null);
        }
    }

    #[test]
    fn a_damaged_or_cut_file_is_an_error() {
        let (bytes, _) = zipped_csv(2_000, false);
        let cut = &bytes[..bytes.len() / 2];
        let mut source = Pieces {
            bytes: cut.to_vec(),
            at: 0,
            piece: 4096,
        };
        assert!(read_chunk("4000000123", &mut source, 0, None, usize::MAX).is_err());
        let mut flipped = bytes.clone();
        // A byte in the middle of the compressed data: either the decoder or the CRC objects.
        let middle = flipped.len() / 3;
        flipped[middle] ^= 0x10;
        let mut source = Pieces {
            bytes: flipped,
            at: 0,
            piece: 4096,
        };
        assert!(read_chunk("4000000123", &mut source, 0, None, usize::MAX).is_err());
    }

    #[test]
    fn a_position_is_bound_to_its_job() {
        let (bytes, _) = zipped_csv(2_000, false);
        let mut source = Pieces {
            bytes: bytes.clone(),
            at: 0,
            piece: 4096,
        };
        let chunk = read_chunk("4000000123", &mut source, 0, None, 10_000).expect("chunk");
        let next = chunk.next.expect("more");
        let mut source = Pieces {
            bytes,
            at: 0,
            piece: 4096,
        };
        let error = read_chunk("999", &mut source, 0, Some(next), 10_000).expect_err("other job");
        assert!(format!("{error:?}").contains("belongs to job 4000000123"), "{error:?}");
        assert!(Position::decode("bm90IGEgY3Vyc29y", "offset").is_err());
    }
}
