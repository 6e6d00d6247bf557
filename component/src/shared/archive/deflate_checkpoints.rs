//! Deflate (RFC 1951) decoding that stops at block boundaries and starts again later from a
//! small checkpoint: the block's bit position, its output offset and the 32 KiB of output
//! before it.
//!
//! Resuming is the point: Zoho's Bulk Read results are zipped CSVs of up to 200,000 records,
//! read one bounded chunk per call, and each call starts again from the checkpoint its
//! predecessor returned, fetching the ZIP with a `Range` from that block on. `miniz_oxide`'s
//! `block-boundary` feature does the decoding (a crate that forbids `unsafe`): it stops between
//! blocks and restarts from the bits left of the last byte plus the window; this module keeps
//! only the bookkeeping around it (the input and output buffers, the checksum, the limits).

use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::inflate_flags::{
    TINFL_FLAG_HAS_MORE_INPUT, TINFL_FLAG_STOP_ON_BLOCK_BOUNDARY, TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF,
};
use miniz_oxide::inflate::core::{BlockBoundaryState, DecompressorOxide, decompress};

use crate::shared::error::Error;

/// Back-references reach at most this far, so this much output is the whole state between
/// blocks.
pub const WINDOW: usize = 32 * 1024;
/// zlib and java.util.zip end a block after 16,384 symbols (about 4.2 MB of output at most);
/// anything larger is refused rather than letting one block take the instance's memory.
const MAX_BLOCK_OUTPUT: usize = 8 << 20;
/// Output room added for each round of decoding.
const OUTPUT_STEP: usize = 64 * 1024;
/// The raw deflate stream of a ZIP entry (no zlib header), in one contiguous output buffer
/// that holds the window, fed as input arrives, stopping at each block's end.
const FLAGS: u32 =
    TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF | TINFL_FLAG_STOP_ON_BLOCK_BOUNDARY | TINFL_FLAG_HAS_MORE_INPUT;

/// Where decoding can start again: the start of a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Bit offset of the block from the start of the deflate stream.
    pub bit: u64,
    /// Decompressed bytes before the block.
    pub out_pos: u64,
    /// CRC-32 of those bytes, so the whole file's checksum can still be verified at its end.
    pub crc: u32,
    /// The last (up to) 32 KiB of those bytes.
    pub window: Vec<u8>,
}

impl Checkpoint {
    /// The start of a stream.
    pub fn start() -> Self {
        Checkpoint {
            bit: 0,
            out_pos: 0,
            crc: 0,
            window: Vec::new(),
        }
    }

    /// The byte of the deflate stream the input must start from.
    pub fn first_byte(&self) -> u64 {
        self.bit / 8
    }
}

/// What one step of decoding did.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// A block was decoded; its output is in [`Inflater::pending`].
    Block,
    /// The current block needs more input than has been pushed.
    NeedInput,
    /// The final block has been decoded; nothing follows.
    End,
}

/// The resumable decoder.
pub struct Inflater {
    decompressor: Box<DecompressorOxide>,
    /// Bits of the first pushed byte already used by earlier blocks (a checkpoint's block may
    /// start mid-byte); that byte seeds the decompressor's bit buffer.
    skip_bits: u8,
    /// Compressed bytes pushed and not yet consumed; `input[0]` is byte `input_base` of the
    /// stream.
    input: Vec<u8>,
    input_base: u64,
    /// Bit offset (in the stream) of the next block, known at block boundaries.
    bit: u64,
    /// Earlier output (the window) followed by output not yet taken by the caller; the
    /// decompressor reads back-references from it.
    output: Vec<u8>,
    /// Index in `output` of the first byte not yet taken.
    taken: usize,
    /// Index in `output` where the current block began.
    block_start: usize,
    /// Stream offset of `output[taken]`.
    out_pos: u64,
    crc: crc32fast::Hasher,
    finished: bool,
}

impl std::fmt::Debug for Inflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inflater")
            .field("bit", &self.bit)
            .field("out_pos", &self.out_pos)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

fn corrupt(message: impl Into<String>) -> Error {
    Error::decode(format!("the compressed result file is damaged: {}", message.into()))
}

impl Inflater {
    /// A decoder starting at `checkpoint`; push input from byte [`Checkpoint::first_byte`] on.
    pub fn resume(checkpoint: &Checkpoint) -> Self {
        let mut output = Vec::with_capacity(WINDOW + OUTPUT_STEP);
        output.extend_from_slice(&checkpoint.window[checkpoint.window.len().saturating_sub(WINDOW)..]);
        Inflater {
            decompressor: Box::default(),
            skip_bits: (checkpoint.bit % 8) as u8,
            input: Vec::new(),
            input_base: checkpoint.first_byte(),
            bit: checkpoint.bit,
            taken: output.len(),
            block_start: output.len(),
            output,
            out_pos: checkpoint.out_pos,
            crc: crc32fast::Hasher::new_with_initial_len(checkpoint.crc, checkpoint.out_pos),
            finished: false,
        }
    }

    /// Adds compressed bytes after those already pushed.
    pub fn push_input(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.input
            .try_reserve(bytes.len())
            .map_err(|_| corrupt("a block is larger than the memory left to this call"))?;
        self.input.extend_from_slice(bytes);
        Ok(())
    }

    /// Output decoded and not yet taken.
    pub fn pending(&self) -> &[u8] {
        &self.output[self.taken..self.block_start]
    }

    /// Stream offset of the first pending byte.
    pub fn pending_pos(&self) -> u64 {
        self.out_pos
    }

    /// Marks `n` pending bytes as taken; only the window before the next block is kept.
    pub fn take(&mut self, n: usize) {
        let n = n.min(self.block_start - self.taken);
        self.taken += n;
        self.out_pos += n as u64;
        let keep_from = self.taken.saturating_sub(WINDOW);
        // Compact only once there is a good deal to drop, not on every small take.
        if keep_from >= WINDOW * 2 {
            self.output.drain(..keep_from);
            self.taken -= keep_from;
            self.block_start -= keep_from;
        }
    }

    /// Whether the final block has been decoded.
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// CRC-32 of everything decoded from the start of the stream (valid once finished).
    pub fn crc(&self) -> u32 {
        self.crc.clone().finalize()
    }

    /// Byte offset in the stream just past the final block (valid once finished): where a ZIP
    /// data descriptor starts.
    pub fn end_byte(&self) -> u64 {
        self.bit.div_ceil(8)
    }

    /// Compressed bytes pushed but not used by the decoded blocks.
    pub fn unused_input(&self) -> &[u8] {
        let from = usize::try_from(self.end_byte().saturating_sub(self.input_base)).unwrap_or(usize::MAX);
        self.input.get(from..).unwrap_or(&[])
    }

    /// A checkpoint at the next block, for the caller to keep when all pending output has been
    /// taken. Costs a copy of the window.
    pub fn checkpoint(&self) -> Checkpoint {
        let end = self.block_start;
        Checkpoint {
            bit: self.bit,
            out_pos: self.out_pos + (end - self.taken) as u64,
            crc: self.crc.clone().finalize(),
            window: self.output[end.saturating_sub(WINDOW)..end].to_vec(),
        }
    }

    /// Decodes the rest of the current block.
    pub fn step(&mut self) -> Result<Step, Error> {
        if self.finished {
            return Ok(Step::End);
        }
        if self.skip_bits > 0 {
            let Some(&first) = self.input.first() else {
                return Ok(Step::NeedInput);
            };
            let unused = 8 - self.skip_bits;
            *self.decompressor = DecompressorOxide::from_block_boundary_state(&BlockBoundaryState {
                num_bits: unused,
                bit_buf: first >> self.skip_bits,
                ..BlockBoundaryState::default()
            });
            self.consume(1);
            self.skip_bits = 0;
        }
        loop {
            let written_before = self.output.len();
            if self.output.try_reserve(OUTPUT_STEP).is_err() {
                return Err(corrupt("a block is larger than the memory left to this call"));
            }
            self.output.resize(written_before + OUTPUT_STEP, 0);
            let (status, consumed, written) = decompress(
                &mut self.decompressor,
                &self.input,
                &mut self.output,
                written_before,
                FLAGS,
            );
            self.output.truncate(written_before + written);
            self.crc.update(&self.output[written_before..]);
            self.consume(consumed);
            if self.output.len() - self.block_start > MAX_BLOCK_OUTPUT {
                return Err(corrupt("a block expands to more than 8 MiB"));
            }
            match status {
                TINFLStatus::HasMoreOutput => continue,
                TINFLStatus::NeedsMoreInput => return Ok(Step::NeedInput),
                TINFLStatus::BlockBoundary | TINFLStatus::Done => {
                    let unused_bits = match status {
                        TINFLStatus::BlockBoundary => self
                            .decompressor
                            .block_boundary_state()
                            .map_or(0, |state| u64::from(state.num_bits)),
                        // The final block's last byte is spent whole.
                        _ => 0,
                    };
                    self.bit = self.input_base * 8 - unused_bits;
                    self.block_start = self.output.len();
                    self.finished = status == TINFLStatus::Done;
                    return Ok(Step::Block);
                }
                TINFLStatus::FailedCannotMakeProgress => return Err(corrupt("the data ends inside a block")),
                TINFLStatus::Adler32Mismatch => return Err(corrupt("a checksum does not match")),
                // `TINFLStatus` is non-exhaustive; every other status is a failure.
                _ => return Err(corrupt("invalid deflate data (a bad block header, code or distance)")),
            }
        }
    }

    /// Drops `n` consumed bytes from the front of the input.
    fn consume(&mut self, n: usize) {
        let n = n.min(self.input.len());
        self.input.drain(..n);
        self.input_base += n as u64;
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn compress(data: &[u8], level: u32) -> Vec<u8> {
        let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(level));
        encoder.write_all(data).expect("in memory");
        encoder.finish().expect("in memory")
    }

    fn sample_csv(rows: usize) -> Vec<u8> {
        let mut text = String::from("id,Last_Name,Email,Description\n");
        for row in 0..rows {
            text.push_str(&format!(
                "{},Name {},user{}@example.com,\"line one, {}\nline two {}\"\n",
                5_000_000_000_000_000u64 + row as u64,
                row % 97,
                row * 7919 % 10007,
                row * 31 % 1000,
                row % 13
            ));
        }
        text.into_bytes()
    }

    /// Decodes `compressed` from `checkpoint`, pushing input in `chunk`-byte pieces; returns the
    /// output and every checkpoint seen at a block start.
    fn decode(compressed: &[u8], checkpoint: &Checkpoint, chunk: usize) -> (Vec<u8>, Vec<Checkpoint>, u32) {
        let mut inflater = Inflater::resume(checkpoint);
        let mut fed = usize::try_from(checkpoint.first_byte()).expect("small");
        let mut output = Vec::new();
        let mut checkpoints = vec![inflater.checkpoint()];
        loop {
            match inflater.step().expect("valid data") {
                Step::Block => {
                    output.extend_from_slice(inflater.pending());
                    let n = inflater.pending().len();
                    inflater.take(n);
                    checkpoints.push(inflater.checkpoint());
                }
                Step::NeedInput => {
                    let end = (fed + chunk).min(compressed.len());
                    assert!(end > fed, "ran out of input");
                    inflater.push_input(&compressed[fed..end]).expect("memory");
                    fed = end;
                }
                Step::End => break,
            }
        }
        (output, checkpoints, inflater.crc())
    }

    #[test]
    fn decodes_every_compression_level_fed_in_small_pieces() {
        let large = sample_csv(20_000);
        // Tiny pieces mean a decode call per few bytes: a small file keeps that quick.
        let small = sample_csv(500);
        for level in [0, 1, 6, 9] {
            for (data, chunk) in [(&large, 1 << 20), (&large, 4093), (&small, 7)] {
                let compressed = compress(data, level);
                let (output, _, crc) = decode(&compressed, &Checkpoint::start(), chunk);
                assert!(output == *data, "level {level}, chunk {chunk}");
                assert_eq!(crc, crc32fast::hash(data));
            }
        }
    }

    #[test]
    fn resumes_from_any_block_with_the_same_output_and_checksum() {
        let data = sample_csv(30_000);
        let compressed = compress(&data, 6);
        let (_, checkpoints, _) = decode(&compressed, &Checkpoint::start(), 1 << 20);
        assert!(
            checkpoints.len() > 4,
            "expected several blocks, got {}",
            checkpoints.len()
        );
        for checkpoint in &checkpoints[1..checkpoints.len() - 1] {
            assert!(checkpoint.window.len() <= WINDOW);
            let (rest, _, crc) = decode(&compressed, checkpoint, 10_000);
            let from = usize::try_from(checkpoint.out_pos).expect("small");
            assert!(rest == data[from..], "resumed at bit {}", checkpoint.bit);
            assert_eq!(crc, crc32fast::hash(&data));
        }
    }

    #[test]
    fn damaged_data_is_an_error_not_a_panic() {
        let data = sample_csv(2_000);
        let compressed = compress(&data, 6);
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..300 {
            let mut damaged = compressed.clone();
            for _ in 0..3 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let at = (state % damaged.len() as u64) as usize;
                damaged[at] ^= 1 << (state % 8);
            }
            let mut inflater = Inflater::resume(&Checkpoint::start());
            inflater.push_input(&damaged).expect("memory");
            for _ in 0..10_000 {
                match inflater.step() {
                    Ok(Step::Block) => {
                        let n = inflater.pending().len();
                        inflater.take(n);
                    }
                    Ok(Step::NeedInput | Step::End) | Err(_) => break,
                }
            }
        }
    }

    #[test]
    fn a_block_of_the_reserved_type_is_refused() {
        let mut inflater = Inflater::resume(&Checkpoint::start());
        inflater.push_input(&[0b0000_0111, 0, 0, 0]).expect("memory");
        let error = inflater.step().expect_err("type 3");
        assert!(format!("{error:?}").contains("invalid deflate data"), "{error:?}");
    }
}
