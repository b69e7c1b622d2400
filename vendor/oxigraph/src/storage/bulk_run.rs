//! zhitu: sorted runs for the bulk loader, merged once into the store's files at commit.
//!
//! Oxigraph's loader wrote each batch as SST files (one per column family) and ingested them
//! all at commit. Every batch's keys span the whole key space, so RocksDB put the files in
//! level 0 and had to merge them afterwards (a compaction that rewrote everything once more),
//! and until then every read looked into every file. Here a batch is written as a *run*: its
//! keys sorted and prefix-compressed in a plain file. At commit the runs of each column
//! family are merged into SST files that do not overlap, which RocksDB places in the bottom
//! level of an empty column family: the store is written once and is compact when the load
//! ends. (Where the column family already holds data the files go above it, as before.)
//!
//! A run is a sequence of entries in ascending key order, no key twice:
//! `varint shared | varint suffix_len | suffix | varint value_len | value`, where `shared`
//! counts the bytes the key has in common with the previous key.

use crate::storage::error::StorageError;
use crate::storage::rocksdb_wrapper::{ColumnFamily, Db, SstFileWriter, available_file_descriptors};
use std::fs::{File, remove_file};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// File name extension of runs in the store's folder (`bulk-*.run`).
pub const RUN_EXTENSION: &str = "run";

/// Keys per SST file written by a merge: files of some hundred MB, so that a compaction or
/// a read of one of them stays small.
const KEYS_PER_SST: usize = 1 << 22;

/// Writes keys (with values, possibly empty) given in strictly ascending order as a run. A
/// run not finished (an error, a full disk) is deleted.
pub struct RunWriter {
    out: BufWriter<File>,
    path: PathBuf,
    last: Vec<u8>,
    finished: bool,
}

impl Drop for RunWriter {
    fn drop(&mut self) {
        if !self.finished {
            remove_file(&self.path).ok();
        }
    }
}

impl RunWriter {
    pub fn create(path: PathBuf) -> Result<Self, StorageError> {
        let file = File::create(&path)?;
        Ok(Self {
            out: BufWriter::with_capacity(1 << 20, file),
            path,
            last: Vec::new(),
            finished: false,
        })
    }

    pub fn insert(&mut self, key: &[u8], value: &[u8]) -> Result<(), StorageError> {
        let shared = common_prefix(key, &self.last);
        self.write_entry(key, shared, value)
    }

    /// Appends `key`, with no value, unless it is the key appended last (sorted keys: each
    /// is written once). The prefix shared with the last key tells, without comparing twice.
    pub fn insert_key(&mut self, key: &[u8]) -> Result<(), StorageError> {
        let shared = common_prefix(key, &self.last);
        if shared == key.len() && shared == self.last.len() && !self.last.is_empty() {
            return Ok(());
        }
        self.write_entry(key, shared, &[])
    }

    fn write_entry(&mut self, key: &[u8], shared: usize, value: &[u8]) -> Result<(), StorageError> {
        write_varint(&mut self.out, shared)?;
        write_varint(&mut self.out, key.len() - shared)?;
        self.out.write_all(&key[shared..])?;
        write_varint(&mut self.out, value.len())?;
        self.out.write_all(value)?;
        self.last.clear();
        self.last.extend_from_slice(key);
        Ok(())
    }

    pub fn finish(mut self) -> Result<PathBuf, StorageError> {
        self.out.flush()?;
        self.finished = true;
        Ok(self.path.clone())
    }
}

/// The length of the longest common prefix of `a` and `b`, compared eight bytes at a time.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= n {
        let x = u64::from_le_bytes(a[i..i + 8].try_into().unwrap_or_default());
        let y = u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or_default());
        if x != y {
            return i + ((x ^ y).trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

fn write_varint(out: &mut impl Write, mut n: usize) -> io::Result<()> {
    while n >= 0x80 {
        out.write_all(&[(n as u8) | 0x80])?;
        n >>= 7;
    }
    out.write_all(&[n as u8])
}

/// Reads a run entry by entry.
struct RunReader {
    input: BufReader<File>,
    key: Vec<u8>,
    /// The key's first eight bytes, zero-padded, as a number: keys that differ there (most
    /// of those a merge compares) are ordered without a call to memcmp.
    head: u64,
    value: Vec<u8>,
}

impl RunReader {
    fn open(path: &Path) -> Result<Self, StorageError> {
        Ok(Self {
            input: BufReader::with_capacity(1 << 16, File::open(path)?),
            key: Vec::new(),
            head: 0,
            value: Vec::new(),
        })
    }

    /// Moves to the next entry; false at the end of the run.
    fn advance(&mut self) -> Result<bool, StorageError> {
        if self.input.fill_buf()?.is_empty() {
            return Ok(false);
        }
        let shared = self.varint()?;
        let suffix = self.varint()?;
        if shared > self.key.len() {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "corrupt bulk load run").into());
        }
        self.key.truncate(shared);
        self.read_into_key(suffix)?;
        let mut head = [0; 8];
        let n = self.key.len().min(8);
        head[..n].copy_from_slice(&self.key[..n]);
        self.head = u64::from_be_bytes(head);
        let value = self.varint()?;
        self.value.resize(value, 0);
        io::Read::read_exact(&mut self.input, &mut self.value)?;
        Ok(true)
    }

    fn read_into_key(&mut self, n: usize) -> io::Result<()> {
        let start = self.key.len();
        self.key.resize(start + n, 0);
        io::Read::read_exact(&mut self.input, &mut self.key[start..])
    }

    fn varint(&mut self) -> io::Result<usize> {
        // zhitu: a varint whole in the buffer is decoded there (nearly all of them); one
        // that runs past it, byte by byte.
        let mut n = 0usize;
        for (i, &byte) in self.input.buffer().iter().take(9).enumerate() {
            n |= usize::from(byte & 0x7F) << (7 * i);
            if byte < 0x80 {
                self.input.consume(i + 1);
                return Ok(n);
            }
        }
        self.varint_by_byte()
    }

    fn varint_by_byte(&mut self) -> io::Result<usize> {
        let mut n = 0usize;
        let mut shift = 0;
        loop {
            let mut byte = [0u8];
            io::Read::read_exact(&mut self.input, &mut byte)?;
            n |= usize::from(byte[0] & 0x7F) << shift;
            if byte[0] < 0x80 {
                return Ok(n);
            }
            shift += 7;
            if shift > 63 {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "corrupt bulk load run"));
            }
        }
    }
}

/// Merges the runs of one column family into SST files of ascending, disjoint key ranges.
/// A key in several runs is written once, with the value of the first run holding it.
fn merge(db: &Db, runs: &[PathBuf], ssts: &mut Vec<PathBuf>) -> Result<(), StorageError> {
    let mut readers = Vec::with_capacity(runs.len());
    for path in runs {
        let mut reader = RunReader::open(path)?;
        if reader.advance()? {
            readers.push(reader);
        }
    }
    // Readers at their end drop out of the tournament; the others are ordered by
    // (key, index), so that of equal keys the first run's comes first.
    let mut done = vec![false; readers.len()];
    let mut tree = LoserTree::new(readers.len(), |a, b| beats(&readers, &done, a, b));
    // The SST file being written, and how many keys it holds.
    let mut writer: Option<(SstFileWriter, usize)> = None;
    let mut last: Option<Vec<u8>> = None;
    while let Some(top) = tree.winner().filter(|&w| !done[w]) {
        let reader = &readers[top];
        if last.as_deref() != Some(reader.key.as_slice()) {
            if writer.is_none() {
                let w = db.new_sst_file()?;
                ssts.push(w.path().to_owned());
                writer = Some((w, 0));
            }
            if let Some((w, keys)) = &mut writer {
                w.insert(&reader.key, &reader.value)?;
                *keys += 1;
                if *keys >= KEYS_PER_SST {
                    if let Some((w, _)) = writer.take() {
                        w.finish()?;
                    }
                }
            }
            last.get_or_insert_with(Vec::new).clone_from(&reader.key);
        }
        if !readers[top].advance()? {
            done[top] = true;
        }
        tree.replay(top, |a, b| beats(&readers, &done, a, b));
    }
    if let Some((w, _)) = writer {
        w.finish()?;
    }
    Ok(())
}

/// Whether reader `a` comes before reader `b` in a merge: a reader at its end after every
/// other, and of equal keys the first run's first.
fn beats(readers: &[RunReader], done: &[bool], a: usize, b: usize) -> bool {
    let (x, y) = (&readers[a], &readers[b]);
    !done[a] && (done[b] || (x.head, x.key.as_slice(), a) < (y.head, y.key.as_slice(), b))
}

/// A tournament tree of losers over `k` players: the overall winner is at the root, and
/// when it changes, one match per level finds the next (a binary heap plays two). Players
/// are leaves `k..2k` of an implicit complete binary tree; internal node `n` (`1..k`) keeps
/// the loser of the match between its subtrees' winners.
struct LoserTree {
    /// `tree[0]`: the winner; `tree[n]`, `n` in `1..k`: the loser at node `n`.
    tree: Vec<usize>,
}

impl LoserTree {
    /// Plays every match; `less(a, b)`: player `a` beats player `b` (a strict order).
    fn new(k: usize, less: impl Fn(usize, usize) -> bool) -> Self {
        if k == 0 {
            return Self { tree: Vec::new() };
        }
        let mut winners = vec![0; 2 * k];
        let mut tree = vec![0; k];
        for (i, w) in winners[k..].iter_mut().enumerate() {
            *w = i;
        }
        for n in (1..k).rev() {
            let (a, b) = (winners[2 * n], winners[2 * n + 1]);
            (winners[n], tree[n]) = if less(b, a) { (b, a) } else { (a, b) };
        }
        tree[0] = winners[1];
        Self { tree }
    }

    fn winner(&self) -> Option<usize> {
        self.tree.first().copied()
    }

    /// Replays the matches of `player` (the winner, whose value changed) up to the root.
    fn replay(&mut self, player: usize, less: impl Fn(usize, usize) -> bool) {
        let k = self.tree.len();
        let mut winner = player;
        let mut n = (player + k) / 2;
        while n >= 1 {
            if less(self.tree[n], winner) {
                std::mem::swap(&mut self.tree[n], &mut winner);
            }
            n /= 2;
        }
        self.tree[0] = winner;
    }
}

/// Merges the runs of every column family into SST files, the column families side by side
/// (one thread per core). A column family's runs are deleted as soon as they are merged, so
/// that the disk holds little more than the store at its peak; on failure the SST files
/// written so far are deleted too (a failed commit loses its load either way).
pub fn merge_runs(
    db: &Db,
    runs: &[(ColumnFamily, PathBuf)],
) -> Result<Vec<(ColumnFamily, PathBuf)>, StorageError> {
    let mut groups: Vec<(ColumnFamily, Vec<PathBuf>, u64)> = Vec::new();
    for (cf, path) in runs {
        let size = path.metadata().map_or(0, |m| m.len());
        if let Some(group) = groups.iter_mut().find(|(c, _, _)| c == cf) {
            group.1.push(path.clone());
            group.2 += size;
        } else {
            groups.push((cf.clone(), vec![path.clone()], size));
        }
    }
    // The largest first, so that the threads end together.
    groups.sort_by(|a, b| b.2.cmp(&a.2));
    let next = AtomicUsize::new(0);
    let done = Mutex::new(Vec::new());
    let most_runs = groups.iter().map(|g| g.1.len()).max().unwrap_or(1);
    let threads = thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(groups.len())
        .min(merges_open_files_allow(most_runs));
    let results: Vec<Result<(), StorageError>> = thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| -> Result<(), StorageError> {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some((cf, paths, _)) = groups.get(i) else {
                            return Ok(());
                        };
                        let mut ssts = Vec::new();
                        let result = merge(db, paths, &mut ssts);
                        if result.is_ok() {
                            for path in paths {
                                remove_file(path).ok();
                            }
                        }
                        let mut done = done
                            .lock()
                            .map_err(|_| io::Error::other("Mutex poisoned"))?;
                        done.extend(ssts.into_iter().map(|p| (cf.clone(), p)));
                        result?;
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(io::Error::other("bulk load merge panicked").into()))
            })
            .collect()
    });
    let ssts = done
        .into_inner()
        .map_err(|_| io::Error::other("Mutex poisoned"))?;
    if let Some(e) = results.into_iter().find_map(Result::err) {
        for (_, path) in &ssts {
            remove_file(path).ok();
        }
        return Err(e);
    }
    Ok(ssts)
}

/// zhitu: how many merges of up to `runs` runs each may run at once: a merge holds all its runs
/// open, and together they may take half of the open files this process is allowed (RocksDB
/// keeps its own files open beside them). On a machine with many cores and a low limit, as
/// many merges as cores failed at commit with too many open files, and the load was lost.
fn merges_open_files_allow(runs: usize) -> usize {
    match available_file_descriptors() {
        Ok(Some(limit)) => usize::try_from(limit / 2)
            .unwrap_or(usize::MAX)
            .checked_div(runs)
            .unwrap_or(usize::MAX)
            .max(1),
        _ => usize::MAX,
    }
}

/// The keys of one index in a batch, in one buffer, to be sorted and written as a run.
///
/// A batch is emptied with [`KeyBatch::clear`] and filled again for the next index and
/// batch: its buffers (tens of megabytes) are then not allocated, and page-faulted in,
/// afresh each time.
#[derive(Default)]
pub struct KeyBatch {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    longest: usize,
    /// The buffers of the last sort.
    sorting: SortBuffers,
}

/// What [`KeyBatch::sort`] sorts in: the (window, key index) records, where
/// [`sort_records`] scatters them, and its bucket bounds.
#[derive(Default)]
struct SortBuffers {
    records: Vec<(u128, u32)>,
    scattered: Vec<(u128, u32)>,
    buckets: Vec<usize>,
}

impl KeyBatch {
    /// Empties the batch, keeping its buffers, and makes room for `keys` keys.
    pub fn clear(&mut self, keys: usize) {
        self.bytes.clear();
        self.ends.clear();
        self.longest = 0;
        self.bytes.reserve(keys * 64);
        self.ends.reserve(keys);
    }

    /// Appends the key that `write` writes.
    pub fn push_with(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        let start = self.bytes.len();
        write(&mut self.bytes);
        self.longest = self.longest.max(self.bytes.len() - start);
        self.ends.push(self.bytes.len());
    }

    /// Sorts the keys and writes them, each once, as a run.
    pub fn write_run(&mut self, path: PathBuf) -> Result<PathBuf, StorageError> {
        let mut sorting = std::mem::take(&mut self.sorting);
        self.sort(&mut sorting);
        let records = &sorting.records;
        let written = write_keys(
            path,
            (0..records.len()).map(|n| {
                // In key order the keys lie anywhere in the batch's buffer: a key is
                // fetched from memory well before it is written, and where it starts before
                // that (the ends are as scattered).
                if let Some(r) = records.get(n + 2 * PREFETCH_AHEAD) {
                    prefetch(&self.ends[r.1 as usize]);
                }
                if let Some(r) = records.get(n + PREFETCH_AHEAD) {
                    let key = self.key(r.1 as usize);
                    if let (Some(first), Some(last)) = (key.first(), key.last()) {
                        prefetch(first);
                        prefetch(last);
                    }
                }
                self.key(records[n].1 as usize)
            }),
        );
        self.sorting = sorting;
        written
    }

    fn key(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }

    /// Bytes `from..from + 16` of key `i`, zero-padded, as a number: two keys compare as
    /// their windows do where their earlier bytes are equal. Zero padding keeps the order
    /// because no key is a proper prefix of another: each is a sequence of encoded terms,
    /// and a term's type byte fixes its length.
    fn window(&self, i: usize, from: usize) -> u128 {
        let key = self.key(i);
        if let Some(bytes) = key.get(from..from + 16) {
            let mut w = [0; 16];
            w.copy_from_slice(bytes);
            return u128::from_be_bytes(w);
        }
        let mut w = [0; 16];
        if from < key.len() {
            let bytes = &key[from..key.len().min(from + 16)];
            w[..bytes.len()].copy_from_slice(bytes);
        }
        u128::from_be_bytes(w)
    }

    /// Fills `sorting.records` with the key indices in key order: sorted on their first 16
    /// bytes as numbers, then each group that ties on the next 16, and so on. The sort moves
    /// small records and compares integers; it reads a key's bytes only where it must (a
    /// document's quads share their graph, so the graph-first indexes tie on the first
    /// window).
    fn sort(&self, sorting: &mut SortBuffers) {
        let records = &mut sorting.records;
        records.clear();
        records.extend((0..self.ends.len()).map(|i| (self.window(i, 0), i as u32)));
        sort_records(records, &mut sorting.scattered, &mut sorting.buckets);
        // Groups of records equal on the bytes before `from`, still to be sorted on the
        // window at `from`.
        let mut ties = Vec::new();
        let find_ties = |records: &[(u128, u32)], offset: usize, from: usize, ties: &mut Vec<_>| {
            if from >= self.longest {
                return; // equal keys
            }
            let mut i = 0;
            while i < records.len() {
                let mut j = i + 1;
                while j < records.len() && records[j].0 == records[i].0 {
                    j += 1;
                }
                if j - i > 1 {
                    ties.push((offset + i, offset + j, from));
                }
                i = j;
            }
        };
        find_ties(records, 0, 16, &mut ties);
        while let Some((start, end, from)) = ties.pop() {
            let group = &mut records[start..end];
            for r in group.iter_mut() {
                r.0 = self.window(r.1 as usize, from);
            }
            group.sort_unstable_by_key(|r| r.0);
            find_ties(group, start, from + 16, &mut ties);
        }
    }
}

/// How many keys ahead of the one being written [`KeyBatch::write_run`] fetches a key.
const PREFETCH_AHEAD: usize = 16;

/// Asks the processor to bring `value` into its caches (a hint: it never faults).
#[cfg(target_arch = "x86_64")]
#[expect(unsafe_code)]
#[inline]
fn prefetch<T>(value: &T) {
    use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
    // SAFETY: a prefetch changes no memory and cannot fault, and `value` is a reference.
    unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(value).cast::<i8>()) };
}

#[cfg(not(target_arch = "x86_64"))]
fn prefetch<T>(_value: &T) {}

/// Bits of the window a bucket of [`sort_records`] stands for.
const BUCKET_BITS: u32 = 16;

/// Sorts records on their windows: one pass counts them into buckets by the 16 highest
/// bits that differ among the windows, one scatters them into `scattered` (then swapped
/// with `records`), and each bucket is sorted on its own. Windows that start with a hash
/// (most terms are hashed) spread evenly, so a bucket holds a few records, and the sort
/// does two linear passes where a comparison sort made twenty over the whole batch.
fn sort_records(
    records: &mut Vec<(u128, u32)>,
    scattered: &mut Vec<(u128, u32)>,
    buckets: &mut Vec<usize>,
) {
    let Some(&(first, _)) = records.first() else {
        return;
    };
    if records.len() < 1 << BUCKET_BITS {
        records.sort_unstable_by_key(|r| r.0);
        return;
    }
    // The windows agree on every bit above `differ`'s highest: ordered by the bits below
    // them, buckets are ordered as their windows are.
    let differ = records.iter().fold(0, |acc, r| acc | (r.0 ^ first));
    if differ == 0 {
        return; // all equal
    }
    let shift = (128 - differ.leading_zeros()).saturating_sub(BUCKET_BITS);
    let bucket = |w: u128| ((w >> shift) as usize) & ((1 << BUCKET_BITS) - 1);
    // buckets[b + 1]: how many records fall in bucket b, then where bucket b + 1 starts.
    buckets.clear();
    buckets.resize((1 << BUCKET_BITS) + 1, 0);
    for r in records.iter() {
        buckets[bucket(r.0) + 1] += 1;
    }
    for b in 1..buckets.len() {
        buckets[b] += buckets[b - 1];
    }
    scattered.clear();
    scattered.resize(records.len(), (0, 0));
    {
        // The next free place of each bucket: its start, moved on as it fills.
        let next = &mut buckets[..1 << BUCKET_BITS];
        for r in records.iter() {
            let b = bucket(r.0);
            scattered[next[b]] = *r;
            next[b] += 1;
        }
    }
    // Bucket b now ends at buckets[b], where b + 1 starts.
    std::mem::swap(records, scattered);
    let mut start = 0;
    for &end in &buckets[..1 << BUCKET_BITS] {
        if end - start > 1 {
            records[start..end].sort_unstable_by_key(|r| r.0);
        }
        start = end;
    }
}

fn write_keys<'a>(
    path: PathBuf,
    keys: impl Iterator<Item = &'a [u8]>,
) -> Result<PathBuf, StorageError> {
    let mut run = RunWriter::create(path)?;
    for key in keys {
        run.insert_key(key)?;
    }
    run.finish()
}
