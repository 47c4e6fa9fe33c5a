//! A growing vector whose copies share their elements: the lab keeps the
//! database of every step, and the row versions and the history only grow
//! by a few entries a step. Full chunks of [`CHUNK`] elements are held by
//! reference count; the elements after the last full chunk (fewer than
//! [`CHUNK`]) are each copy's own. A copy clones the list of full chunks,
//! not their elements, and the few elements after them; a full chunk is
//! copied only when one of its elements is changed while another copy
//! still holds it. Copying a vector of `n` elements costs `n / CHUNK`
//! count increments and at most [`CHUNK`] element clones instead of `n`
//! element clones, and adding an element touches no reference count.

use std::ops::{Index, IndexMut};
use std::sync::Arc;

/// Elements per chunk.
const CHUNK: usize = 128;

/// A vector of `T` in shared chunks of [`CHUNK`] elements.
#[derive(Debug, Clone)]
pub struct Chunked<T> {
    /// The full chunks, in order.
    full: Vec<Arc<[T; CHUNK]>>,
    /// The elements after them: fewer than [`CHUNK`].
    tail: Vec<T>,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            full: Vec::new(),
            tail: Vec::new(),
        }
    }
}

impl<T: Clone> Chunked<T> {
    /// An empty vector.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many elements it holds.
    #[inline]
    pub fn len(&self) -> usize {
        self.full.len() * CHUNK + self.tail.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.full.is_empty() && self.tail.is_empty()
    }

    /// Adds `value` at the end.
    #[inline(always)]
    pub fn push(&mut self, value: T) {
        if self.tail.len() == self.tail.capacity() {
            // Room for exactly the rest of the chunk, so that a full tail
            // is already the chunk's size.
            self.tail.reserve_exact(CHUNK - self.tail.len());
        }
        self.tail.push(value);
        if self.tail.len() == CHUNK {
            self.seal();
        }
    }

    /// Makes the full tail a shared chunk (one copy of its elements).
    #[inline(never)]
    fn seal(&mut self) {
        let tail = std::mem::take(&mut self.tail).into_boxed_slice();
        match <Box<[T; CHUNK]>>::try_from(tail) {
            Ok(chunk) => self.full.push(Arc::from(chunk)),
            // Not full after all: it stays the tail.
            Err(tail) => self.tail = tail.into_vec(),
        }
    }

    /// Element `i`, if there is one.
    #[inline(always)]
    pub fn get(&self, i: usize) -> Option<&T> {
        match self.full.get(i / CHUNK) {
            Some(chunk) => Some(&chunk[i % CHUNK]),
            None => self.tail.get(i - self.full.len() * CHUNK),
        }
    }

    /// Element `i` to change, if there is one (its chunk is copied first if
    /// another vector shares it).
    #[inline]
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        let sealed = self.full.len() * CHUNK;
        match self.full.get_mut(i / CHUNK) {
            Some(chunk) => Some(&mut Arc::make_mut(chunk)[i % CHUNK]),
            None => self.tail.get_mut(i - sealed),
        }
    }

    /// The elements in order.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter {
            chunks: self.full.iter(),
            current: [].iter(),
            tail: &self.tail,
        }
    }

    /// The elements from index `start` on, with their indexes, without
    /// walking the ones before.
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = (usize, &T)> + '_ {
        let first = start / CHUNK;
        let rest = match self.full.get(first) {
            Some(chunk) => Iter {
                chunks: self.full[first + 1..].iter(),
                current: chunk[start % CHUNK..].iter(),
                tail: &self.tail,
            },
            None => Iter {
                chunks: [].iter(),
                current: self
                    .tail
                    .get(start.saturating_sub(self.full.len() * CHUNK)..)
                    .unwrap_or_default()
                    .iter(),
                tail: &[],
            },
        };
        rest.enumerate().map(move |(k, v)| (start + k, v))
    }

    /// Changes, with `f`, the elements for which `wanted` holds; the chunks
    /// holding none of them stay shared.
    pub fn update_where(&mut self, wanted: impl Fn(&T) -> bool, f: impl Fn(&mut T)) {
        for chunk in &mut self.full {
            if chunk.iter().any(&wanted) {
                for v in Arc::make_mut(chunk).iter_mut().filter(|v| wanted(&**v)) {
                    f(v);
                }
            }
        }
        for v in self.tail.iter_mut().filter(|v| wanted(&**v)) {
            f(v);
        }
    }
}

/// The panic of an index past the end (kept out of the callers' code).
#[cold]
#[inline(never)]
fn out_of_range(i: usize, len: usize) -> ! {
    panic!("index {i} out of range for a chunked vector of {len}")
}

impl<T: Clone> Index<usize> for Chunked<T> {
    type Output = T;

    #[inline(always)]
    fn index(&self, i: usize) -> &T {
        match self.get(i) {
            Some(v) => v,
            None => out_of_range(i, self.len()),
        }
    }
}

impl<T: Clone> IndexMut<usize> for Chunked<T> {
    #[inline]
    fn index_mut(&mut self, i: usize) -> &mut T {
        let len = self.len();
        match self.get_mut(i) {
            Some(v) => v,
            None => out_of_range(i, len),
        }
    }
}

/// The elements of a [`Chunked`] in order: a chunk's slice at a time (a
/// plain loop, where a flattening adapter costs a call per element in the
/// size-optimised WebAssembly build).
pub struct Iter<'a, T> {
    chunks: std::slice::Iter<'a, Arc<[T; CHUNK]>>,
    current: std::slice::Iter<'a, T>,
    /// The elements after the full chunks, until they are reached.
    tail: &'a [T],
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        loop {
            if let Some(v) = self.current.next() {
                return Some(v);
            }
            self.current = match self.chunks.next() {
                Some(chunk) => chunk.iter(),
                None if !self.tail.is_empty() => std::mem::take(&mut self.tail).iter(),
                None => return None,
            };
        }
    }
}

impl<'a, T: Clone> IntoIterator for &'a Chunked<T> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T: Clone + PartialEq> PartialEq for Chunked<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<T: Clone + Eq> Eq for Chunked<T> {}

impl<T: Clone> FromIterator<T> for Chunked<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let mut v = Chunked::new();
        for x in items {
            v.push(x);
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_keeps_its_elements_when_the_original_changes() {
        // Three full chunks and a few elements after them.
        let n = 3 * CHUNK + 8;
        let (first, third, tail) = (3, 2 * CHUNK + 22, 3 * CHUNK + 5);
        let mut a: Chunked<usize> = (0..n).collect();
        let b = a.clone();
        a[first] = 1000;
        a[third] = 2000;
        a[tail] = 3000;
        a.push(7);
        assert_eq!(
            (b[first], b[third], b[tail], b.len()),
            (first, third, tail, n)
        );
        assert_eq!(
            (a[first], a[third], a[tail], a[n], a.len()),
            (1000, 2000, 3000, 7, n + 1)
        );
        // Only the chunks changed were copied.
        assert!(Arc::ptr_eq(&a.full[1], &b.full[1]));
        assert!(!Arc::ptr_eq(&a.full[0], &b.full[0]));
        assert!(!Arc::ptr_eq(&a.full[2], &b.full[2]));
    }

    #[test]
    fn reads_agree_with_a_plain_vector() {
        let n = 4 * CHUNK + 44;
        let plain: Vec<usize> = (0..n).map(|i| i * 7 % 101).collect();
        let mut c: Chunked<usize> = plain.iter().copied().collect();
        assert_eq!(c.iter().copied().collect::<Vec<_>>(), plain);
        assert_eq!((&c).into_iter().count(), n);
        let edges = [
            CHUNK - 1,
            CHUNK,
            CHUNK + 1,
            2 * CHUNK,
            4 * CHUNK - 1,
            4 * CHUNK,
        ];
        for start in [0, 1, n - 1, n, n + 200].into_iter().chain(edges) {
            let got: Vec<(usize, usize)> = c.iter_from(start).map(|(i, v)| (i, *v)).collect();
            let want: Vec<(usize, usize)> = plain.iter().copied().enumerate().skip(start).collect();
            assert_eq!(got, want, "from {start}");
        }
        assert_eq!((c.get(n - 1), c.get(n)), (Some(&plain[n - 1]), None));
        assert!(c.get_mut(n).is_none());
        let copy = c.clone();
        c.update_where(|v| *v == 0, |v| *v = 1);
        assert_eq!(c.iter().filter(|v| **v == 0).count(), 0);
        assert_eq!(
            copy.iter().filter(|v| **v == 0).count(),
            plain.iter().filter(|v| **v == 0).count()
        );
        assert_ne!(c, copy);
        assert_eq!(copy, plain.into_iter().collect());
    }
}
