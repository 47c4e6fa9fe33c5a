//! A growing vector whose copies share their elements: the lab keeps the
//! database of every step, and the row versions and the history only grow
//! by a few entries a step. Elements live in fixed-size chunks held by
//! reference count; a copy clones the list of chunks, not the elements,
//! and a chunk is copied only when one of its elements is changed while
//! another copy still holds it. Copying a vector of `n` elements costs
//! `n / CHUNK` count increments instead of `n` element clones.

use std::ops::{Index, IndexMut};
use std::sync::Arc;

/// Elements per chunk.
const CHUNK: usize = 64;

/// A vector of `T` in shared chunks of [`CHUNK`] elements.
#[derive(Debug, Clone)]
pub struct Chunked<T> {
    chunks: Vec<Arc<Vec<T>>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T: Clone> Chunked<T> {
    /// An empty vector.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many elements it holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds `value` at the end.
    pub fn push(&mut self, value: T) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < CHUNK => Arc::make_mut(last).push(value),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(value);
                self.chunks.push(Arc::new(chunk));
            }
        }
        self.len += 1;
    }

    /// Element `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<&T> {
        self.chunks.get(i / CHUNK)?.get(i % CHUNK)
    }

    /// Element `i` to change, if there is one (its chunk is copied first if
    /// another vector shares it).
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        let chunk = self.chunks.get_mut(i / CHUNK)?;
        if i % CHUNK >= chunk.len() {
            return None;
        }
        Arc::make_mut(chunk).get_mut(i % CHUNK)
    }

    /// The elements in order.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter {
            chunks: self.chunks.iter(),
            current: [].iter(),
        }
    }

    /// The elements from index `start` on, with their indexes, without
    /// walking the ones before.
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = (usize, &T)> + '_ {
        let first = (start / CHUNK).min(self.chunks.len());
        let mut rest = Iter {
            chunks: self.chunks[first..].iter(),
            current: [].iter(),
        };
        // Within the first chunk, skip to `start`.
        if let Some(chunk) = rest.chunks.next() {
            rest.current = chunk
                .get(start - first * CHUNK..)
                .unwrap_or_default()
                .iter();
        }
        rest.enumerate().map(move |(k, v)| (start + k, v))
    }

    /// Changes, with `f`, the elements for which `wanted` holds; the chunks
    /// holding none of them stay shared.
    pub fn update_where(&mut self, wanted: impl Fn(&T) -> bool, f: impl Fn(&mut T)) {
        for chunk in &mut self.chunks {
            if chunk.iter().any(&wanted) {
                for v in Arc::make_mut(chunk).iter_mut().filter(|v| wanted(&**v)) {
                    f(v);
                }
            }
        }
    }
}

impl<T: Clone> Index<usize> for Chunked<T> {
    type Output = T;

    fn index(&self, i: usize) -> &T {
        match self.get(i) {
            Some(v) => v,
            None => panic!(
                "index {i} out of range for a chunked vector of {}",
                self.len
            ),
        }
    }
}

impl<T: Clone> IndexMut<usize> for Chunked<T> {
    fn index_mut(&mut self, i: usize) -> &mut T {
        let len = self.len;
        match self.get_mut(i) {
            Some(v) => v,
            None => panic!("index {i} out of range for a chunked vector of {len}"),
        }
    }
}

/// The elements of a [`Chunked`] in order: a chunk's slice at a time (a
/// plain loop, where a flattening adapter costs a call per element in the
/// size-optimised WebAssembly build).
pub struct Iter<'a, T> {
    chunks: std::slice::Iter<'a, Arc<Vec<T>>>,
    current: std::slice::Iter<'a, T>,
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        loop {
            if let Some(v) = self.current.next() {
                return Some(v);
            }
            self.current = self.chunks.next()?.iter();
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
        self.len == other.len && self.iter().eq(other.iter())
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
        let mut a: Chunked<u32> = (0..200).collect();
        let b = a.clone();
        a[3] = 1000;
        a[150] = 2000;
        a.push(7);
        assert_eq!((b[3], b[150], b.len()), (3, 150, 200));
        assert_eq!((a[3], a[150], a[200], a.len()), (1000, 2000, 7, 201));
        // Only the chunks changed were copied.
        assert!(Arc::ptr_eq(&a.chunks[1], &b.chunks[1]));
        assert!(!Arc::ptr_eq(&a.chunks[0], &b.chunks[0]));
    }

    #[test]
    fn reads_agree_with_a_plain_vector() {
        let plain: Vec<u32> = (0..300).map(|i| i * 7 % 101).collect();
        let mut c: Chunked<u32> = plain.iter().copied().collect();
        assert_eq!(c.iter().copied().collect::<Vec<_>>(), plain);
        assert_eq!((&c).into_iter().count(), 300);
        for start in [0, 1, 63, 64, 65, 128, 299, 300, 500] {
            let got: Vec<(usize, u32)> = c.iter_from(start).map(|(i, v)| (i, *v)).collect();
            let want: Vec<(usize, u32)> = plain.iter().copied().enumerate().skip(start).collect();
            assert_eq!(got, want, "from {start}");
        }
        assert_eq!((c.get(299), c.get(300)), (Some(&plain[299]), None));
        assert!(c.get_mut(300).is_none());
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
