//! The seeded randomness the models use: SplitMix64, small and fast, with
//! the same sequence on every machine.

/// A seeded pseudo-random generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// A number in `0..bound` (0 when `bound` is 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            0
        } else {
            // Multiply-shift: unbiased enough for a simulation, and cheap.
            ((self.next_u64() as u128 * bound as u128) >> 64) as u64
        }
    }
}

/// A random-looking function of `x`: the same input, the same output. Lets a
/// model give entity `id` its own value without walking a sequence, so that
/// a smaller dataset is a prefix of a larger one.
pub fn mix(x: u64) -> u64 {
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A value in `0..bound` fixed by `(seed, stream, id)`.
pub fn pick(seed: u64, stream: u64, id: u64, bound: u64) -> u64 {
    if bound == 0 {
        return 0;
    }
    let h = mix(mix(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15)) ^ id);
    ((h as u128 * bound as u128) >> 64) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_repeat_and_stay_in_bounds() {
        let a: Vec<u64> = {
            let mut r = Rng::new(42);
            (0..100).map(|_| r.below(7)).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng::new(42);
            (0..100).map(|_| r.below(7)).collect()
        };
        assert_eq!(a, b);
        assert!(a.iter().all(|&x| x < 7));
        // Every value of a small range turns up.
        for v in 0..7 {
            assert!(a.contains(&v), "{v} never drawn");
        }
        assert_eq!(Rng::new(1).below(0), 0);
        assert_eq!(pick(1, 2, 3, 10), pick(1, 2, 3, 10));
        assert!((0..1000).all(|id| pick(9, 1, id, 5) < 5));
        assert_ne!(
            (0..50).map(|id| pick(1, 1, id, 100)).collect::<Vec<_>>(),
            (0..50).map(|id| pick(2, 1, id, 100)).collect::<Vec<_>>()
        );
    }
}
