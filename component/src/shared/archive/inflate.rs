//! A deflate (RFC 1951) decoder that can stop at any block and start again later from a small
//! checkpoint: the block's bit position, its output offset and the 32 KiB of output before it.
//!
//! Hand-written because resuming is the point: Zoho's Bulk Read results are zipped CSVs of up to
//! 200,000 records, read one bounded chunk per call, and each call starts again from the
//! checkpoint its predecessor returned, fetching the ZIP with a `Range` from that block on. The
//! safe-Rust crates (miniz_oxide, zlib-rs's stable API) expose neither block boundaries nor a way
//! to start mid-stream; zlib's C API does (`Z_BLOCK`, `inflatePrime`) but only through `unsafe`.
//!
//! A block is decoded whole: when the input runs out inside one, its output is taken back and
//! the block is decoded again once more input has arrived, so the decoder never keeps a
//! half-decoded state and every error path is a plain return.

use crate::shared::error::Error;

/// Back-references reach at most this far, so this much output is the whole state between
/// blocks.
pub const WINDOW: usize = 32 * 1024;
/// zlib and java.util.zip end a block after 16,384 symbols (about 4.2 MB of output at most);
/// anything larger is refused rather than letting one block take the instance's memory.
const MAX_BLOCK_OUTPUT: usize = 8 << 20;
/// Compressed input held for one block at most.
const MAX_BLOCK_INPUT: usize = 8 << 20;
/// Codes up to this many bits are decoded with one table lookup.
const FAST_BITS: u32 = 10;

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
#[derive(Debug)]
pub struct Inflater {
    /// Compressed bytes; `input[0]` is byte `input_base` of the deflate stream.
    input: Vec<u8>,
    input_base: u64,
    /// Bit offset (in the stream) of the next block.
    bit: u64,
    /// Earlier output (the window) followed by output not yet taken by the caller.
    output: Vec<u8>,
    /// Index in `output` of the first byte not yet taken.
    taken: usize,
    /// Stream offset of `output[taken]`.
    out_pos: u64,
    crc: crc32fast::Hasher,
    finished: bool,
}

fn corrupt(message: impl Into<String>) -> Error {
    Error::decode(format!("the compressed result file is damaged: {}", message.into()))
}

impl Inflater {
    /// A decoder starting at `checkpoint`; push input from byte [`Checkpoint::first_byte`] on.
    pub fn resume(checkpoint: &Checkpoint) -> Self {
        let mut output = Vec::with_capacity(WINDOW * 2);
        output.extend_from_slice(&checkpoint.window[checkpoint.window.len().saturating_sub(WINDOW)..]);
        Inflater {
            input: Vec::new(),
            input_base: checkpoint.first_byte(),
            bit: checkpoint.bit,
            taken: output.len(),
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
        &self.output[self.taken..]
    }

    /// Stream offset of the first pending byte.
    pub fn pending_pos(&self) -> u64 {
        self.out_pos
    }

    /// Marks `n` pending bytes as taken; only the window before the next block is kept.
    pub fn take(&mut self, n: usize) {
        let n = n.min(self.output.len() - self.taken);
        self.taken += n;
        self.out_pos += n as u64;
        let keep_from = self.taken.saturating_sub(WINDOW);
        // Compact only once there is a good deal to drop, not on every small take.
        if keep_from >= WINDOW * 2 {
            self.output.drain(..keep_from);
            self.taken -= keep_from;
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
        let end = self.output.len();
        Checkpoint {
            bit: self.bit,
            out_pos: self.out_pos + (end - self.taken) as u64,
            crc: self.crc.clone().finalize(),
            window: self.output[end.saturating_sub(WINDOW)..].to_vec(),
        }
    }

    /// Decodes the next block.
    pub fn step(&mut self) -> Result<Step, Error> {
        if self.finished {
            return Ok(Step::End);
        }
        let start_len = self.output.len();
        let relative_bit = self.bit - self.input_base * 8;
        let Ok(start_byte) = usize::try_from(relative_bit / 8) else {
            return Err(corrupt("a block offset past the input"));
        };
        let mut bits = Bits {
            data: &self.input,
            pos: start_byte,
            buffer: 0,
            count: 0,
        };
        let skip = (relative_bit % 8) as u32;
        let outcome = bits
            .take(skip)
            .and_then(|_| decode_block(&mut bits, &mut self.output, start_len));
        match outcome {
            Ok(last) => {
                let consumed_bits = bits.position() as u64;
                self.bit = self.input_base * 8 + consumed_bits;
                self.crc.update(&self.output[start_len..]);
                self.finished = last;
                // Compressed bytes before the next block are never read again.
                let drop = usize::try_from(self.bit / 8 - self.input_base).unwrap_or(0);
                if drop > 0 {
                    self.input.drain(..drop.min(self.input.len()));
                    self.input_base += drop as u64;
                }
                Ok(Step::Block)
            }
            Err(Fault::Short) => {
                self.output.truncate(start_len);
                if self.input.len() > MAX_BLOCK_INPUT {
                    return Err(corrupt("a block is larger than 8 MiB compressed"));
                }
                Ok(Step::NeedInput)
            }
            Err(Fault::Bad(message)) => {
                self.output.truncate(start_len);
                Err(corrupt(message))
            }
        }
    }
}

#[derive(Debug)]
enum Fault {
    /// The input ended inside the block.
    Short,
    Bad(&'static str),
}

/// Little-endian bit reader over the pushed input.
struct Bits<'a> {
    data: &'a [u8],
    /// Next byte to load.
    pos: usize,
    buffer: u64,
    count: u32,
}

impl Bits<'_> {
    /// Bits consumed from the start of `data`.
    fn position(&self) -> usize {
        self.pos * 8 - self.count as usize
    }

    /// Loads bytes until at least `n` bits are buffered, or the input ends.
    fn fill(&mut self, n: u32) {
        while self.count < n && self.pos < self.data.len() {
            self.buffer |= u64::from(self.data[self.pos]) << self.count;
            self.pos += 1;
            self.count += 8;
        }
    }

    fn take(&mut self, n: u32) -> Result<u32, Fault> {
        if n == 0 {
            return Ok(0);
        }
        self.fill(n);
        if self.count < n {
            return Err(Fault::Short);
        }
        let value = (self.buffer & ((1u64 << n) - 1)) as u32;
        self.buffer >>= n;
        self.count -= n;
        Ok(value)
    }

    /// Drops the bits left in the current byte (before a stored block's lengths).
    fn align(&mut self) {
        let extra = self.count % 8;
        self.buffer >>= extra;
        self.count -= extra;
    }
}

/// A canonical Huffman code: a lookup table for short codes, and counts and symbols sorted by
/// code for the rest (decoded bit by bit, as RFC 1951's reference decoder does).
struct Huffman {
    /// Indexed by the next FAST_BITS bits: `symbol << 4 | length`, 0 for longer codes.
    fast: Vec<u16>,
    counts: [u16; 16],
    symbols: Vec<u16>,
}

impl Huffman {
    fn new(lengths: &[u8]) -> Result<Self, Fault> {
        let mut counts = [0u16; 16];
        for &length in lengths {
            counts[usize::from(length)] += 1;
        }
        counts[0] = 0;
        let mut left: i32 = 1;
        for &count in &counts[1..] {
            left = (left << 1) - i32::from(count);
            if left < 0 {
                return Err(Fault::Bad("an over-subscribed Huffman code"));
            }
        }
        let mut offsets = [0u16; 16];
        for length in 1..15 {
            offsets[length + 1] = offsets[length] + counts[length];
        }
        let mut symbols = vec![0u16; lengths.len()];
        let mut fast = vec![0u16; 1 << FAST_BITS];
        let mut next_code = [0u32; 16];
        let mut code = 0u32;
        for length in 1..16 {
            code = (code + u32::from(counts[length - 1])) << 1;
            next_code[length] = code;
        }
        for (symbol, &length) in lengths.iter().enumerate() {
            if length == 0 {
                continue;
            }
            let length = usize::from(length);
            symbols[usize::from(offsets[length])] = symbol as u16;
            offsets[length] += 1;
            let code = next_code[length];
            next_code[length] += 1;
            if length as u32 <= FAST_BITS {
                // Deflate sends codes from their top bit, the reader takes bits from the bottom.
                let reversed = code.reverse_bits() >> (32 - length);
                let entry = ((symbol as u16) << 4) | length as u16;
                let mut index = reversed as usize;
                while index < fast.len() {
                    fast[index] = entry;
                    index += 1 << length;
                }
            }
        }
        Ok(Huffman { fast, counts, symbols })
    }

    fn decode(&self, bits: &mut Bits<'_>) -> Result<u16, Fault> {
        bits.fill(FAST_BITS);
        let entry = self.fast[(bits.buffer & ((1 << FAST_BITS) - 1)) as usize];
        let length = u32::from(entry & 15);
        if entry != 0 && length <= bits.count {
            bits.buffer >>= length;
            bits.count -= length;
            return Ok(entry >> 4);
        }
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for length in 1..16 {
            code |= bits.take(1)? as i32;
            let count = i32::from(self.counts[length]);
            if code - count < first {
                return Ok(self.symbols[(index + code - first) as usize]);
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        Err(Fault::Bad("an invalid Huffman code"))
    }
}

const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
];
const LENGTH_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DISTANCE_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
    8193, 12289, 16385, 24577,
];
const DISTANCE_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];
/// Order of the code-length code lengths in a dynamic block header.
const CODE_LENGTH_ORDER: [usize; 19] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/// Decodes one block onto `output`; true when it was the final one.
fn decode_block(bits: &mut Bits<'_>, output: &mut Vec<u8>, block_start: usize) -> Result<bool, Fault> {
    let last = bits.take(1)? == 1;
    match bits.take(2)? {
        0 => stored(bits, output)?,
        1 => {
            let (literals, distances) = fixed_codes()?;
            codes(bits, output, block_start, &literals, &distances)?;
        }
        2 => {
            let (literals, distances) = dynamic_codes(bits)?;
            codes(bits, output, block_start, &literals, &distances)?;
        }
        _ => return Err(Fault::Bad("a block of the reserved type 3")),
    }
    Ok(last)
}

fn stored(bits: &mut Bits<'_>, output: &mut Vec<u8>) -> Result<(), Fault> {
    bits.align();
    let length = bits.take(16)?;
    let complement = bits.take(16)?;
    if length != !complement & 0xffff {
        return Err(Fault::Bad("a stored block whose length does not match its complement"));
    }
    // Whole bytes only remain buffered after aligning; hand them out first.
    let mut remaining = length as usize;
    while remaining > 0 && bits.count >= 8 {
        output.push(bits.take(8)? as u8);
        remaining -= 1;
    }
    let end = bits.pos + remaining;
    let bytes = bits.data.get(bits.pos..end).ok_or(Fault::Short)?;
    output.extend_from_slice(bytes);
    bits.pos = end;
    Ok(())
}

fn fixed_codes() -> Result<(Huffman, Huffman), Fault> {
    let mut lengths = [0u8; 288];
    lengths[..144].fill(8);
    lengths[144..256].fill(9);
    lengths[256..280].fill(7);
    lengths[280..].fill(8);
    Ok((Huffman::new(&lengths)?, Huffman::new(&[5u8; 30])?))
}

fn dynamic_codes(bits: &mut Bits<'_>) -> Result<(Huffman, Huffman), Fault> {
    let literal_count = bits.take(5)? as usize + 257;
    let distance_count = bits.take(5)? as usize + 1;
    let code_length_count = bits.take(4)? as usize + 4;
    if literal_count > 286 || distance_count > 30 {
        return Err(Fault::Bad("too many codes in a dynamic block"));
    }
    let mut code_lengths = [0u8; 19];
    for &position in &CODE_LENGTH_ORDER[..code_length_count] {
        code_lengths[position] = bits.take(3)? as u8;
    }
    let code_length_code = Huffman::new(&code_lengths)?;
    let mut lengths = [0u8; 316];
    let total = literal_count + distance_count;
    let mut index = 0;
    while index < total {
        let symbol = code_length_code.decode(bits)?;
        let (value, repeat) = match symbol {
            0..=15 => (symbol as u8, 1),
            16 => {
                let previous = *lengths[..index]
                    .last()
                    .ok_or(Fault::Bad("a repeated length with nothing before it"))?;
                (previous, 3 + bits.take(2)? as usize)
            }
            17 => (0, 3 + bits.take(3)? as usize),
            _ => (0, 11 + bits.take(7)? as usize),
        };
        if index + repeat > total {
            return Err(Fault::Bad("code lengths run past their count"));
        }
        lengths[index..index + repeat].fill(value);
        index += repeat;
    }
    if lengths[256] == 0 {
        return Err(Fault::Bad("a block without an end-of-block code"));
    }
    Ok((
        Huffman::new(&lengths[..literal_count])?,
        Huffman::new(&lengths[literal_count..total])?,
    ))
}

fn codes(
    bits: &mut Bits<'_>,
    output: &mut Vec<u8>,
    block_start: usize,
    literals: &Huffman,
    distances: &Huffman,
) -> Result<(), Fault> {
    loop {
        let symbol = literals.decode(bits)?;
        if symbol < 256 {
            output.push(symbol as u8);
        } else if symbol == 256 {
            return Ok(());
        } else {
            let index = usize::from(symbol - 257);
            let (Some(&base), Some(&extra)) = (LENGTH_BASE.get(index), LENGTH_EXTRA.get(index)) else {
                return Err(Fault::Bad("an invalid length code"));
            };
            let length = usize::from(base) + bits.take(u32::from(extra))? as usize;
            let code = usize::from(distances.decode(bits)?);
            let (Some(&base), Some(&extra)) = (DISTANCE_BASE.get(code), DISTANCE_EXTRA.get(code)) else {
                return Err(Fault::Bad("an invalid distance code"));
            };
            let distance = usize::from(base) + bits.take(u32::from(extra))? as usize;
            if distance > output.len() {
                return Err(Fault::Bad("a distance reaching before the start of the data"));
            }
            let from = output.len() - distance;
            if distance >= length {
                output.extend_from_within(from..from + length);
            } else {
                for i in 0..length {
                    output.push(output[from + i]);
                }
            }
        }
        if output.len() - block_start > MAX_BLOCK_OUTPUT {
            return Err(Fault::Bad("a block expands to more than 8 MiB"));
        }
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
        // Tiny pieces re-decode a block per piece: a small file keeps that quick.
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
        assert!(format!("{error:?}").contains("reserved type"), "{error:?}");
    }
}
