//! The compute kernels written in Rust and compiled natively: the
//! baselines of the kernel rows.

use std::hint::black_box;

#[inline(never)]
fn fib(n: u32) -> u32 {
    if n < 2 {
        n
    } else {
        fib(n - 1).wrapping_add(fib(n - 2))
    }
}

/// `tailcall.wat`: total Collatz steps of 1..=300000.
pub fn collatz_kernel() -> i64 {
    let mut sum = 0u64;
    for i in 1..=black_box(300_000u64) {
        let (mut n, mut steps) = (i, 0u64);
        while n > 1 {
            n = if n % 2 == 0 {
                n / 2
            } else {
                n.wrapping_mul(3).wrapping_add(1)
            };
            steps += 1;
        }
        sum = sum.wrapping_add(steps);
    }
    sum as i64
}

/// `fib.wat`: fib(30), ten times.
pub fn fib_kernel() -> i64 {
    let mut sum = 0u32;
    for _ in 0..10 {
        sum = sum.wrapping_add(fib(black_box(30)));
    }
    sum as i32 as i64
}

const SIEVE_N: usize = 10_000_000;

/// `sieve.wat`: primes below 10M, one byte per number.
pub fn sieve_kernel(buf: &mut Vec<u8>) -> i64 {
    buf.resize(SIEVE_N, 0);
    let s = black_box(&mut buf[..]);
    s.fill(0);
    s[0] = 1;
    s[1] = 1;
    let mut i = 2;
    while i * i <= SIEVE_N {
        if s[i] == 0 {
            let mut j = i * i;
            while j < SIEVE_N {
                s[j] = 1;
                j += i;
            }
        }
        i += 1;
    }
    s.iter().filter(|&&b| b == 0).count() as i64
}

const M: usize = 200;

/// `matmul.wat`: 200x200 f64, naive i-j-k, five times.
pub fn matmul_kernel(a: &mut Vec<f64>, b: &mut Vec<f64>, c: &mut Vec<f64>) -> i64 {
    a.resize(M * M, 0.0);
    b.resize(M * M, 0.0);
    c.resize(M * M, 0.0);
    for i in 0..M {
        for j in 0..M {
            a[i * M + j] = (((i + 2 * j) % 7) as i32 - 3) as f64;
            b[i * M + j] = (((3 * i + j) % 5) as i32 - 1) as f64;
        }
    }
    for _ in 0..5 {
        let (a, b, c) = (black_box(&a[..]), black_box(&b[..]), black_box(&mut c[..]));
        for i in 0..M {
            for j in 0..M {
                let mut acc = 0.0;
                for k in 0..M {
                    acc += a[i * M + k] * b[k * M + j];
                }
                c[i * M + j] = acc;
            }
        }
    }
    c.iter()
        .enumerate()
        .map(|(idx, x)| x * (idx & 15) as f64)
        .sum::<f64>() as i64
}

const WORDS: usize = 16 << 20 >> 3;

/// `throw.wat`: 20000 "throws" propagated three calls up as `Err`.
pub fn throw_kernel() -> i64 {
    #[inline(never)]
    fn throw(i: i64) -> Result<(), i64> {
        Err(black_box(i))
    }
    #[inline(never)]
    fn mid(i: i64) -> Result<(), i64> {
        throw(i)
    }
    #[inline(never)]
    fn top(i: i64) -> Result<(), i64> {
        mid(i)
    }
    let mut sum = 0i64;
    for i in 0..20_000 {
        if let Err(v) = top(i) {
            sum += v;
        }
    }
    sum
}

/// `memory.wat`: fill 16 MiB, then 8 x (copy into another 16 MiB with a
/// twist, sum the copy).
pub fn memory_kernel(src: &mut Vec<u64>, dst: &mut Vec<u64>) -> i64 {
    src.resize(WORDS, 0);
    dst.resize(WORDS, 0);
    for (i, w) in src.iter_mut().enumerate() {
        *w = ((i * 8) as u64).wrapping_mul(0x9E3779B97F4A7C15);
    }
    let mut sum = 0u64;
    for pass in 0..8u64 {
        let (s, d) = (black_box(&src[..]), black_box(&mut dst[..]));
        for (d, s) in d.iter_mut().zip(s) {
            *d = s.wrapping_add(pass);
        }
        let d = black_box(&dst[..]);
        for w in d {
            sum = sum.wrapping_add(*w);
        }
    }
    sum as i64
}

const DOT_N: usize = 8192;
const DOT_REPS: i32 = 30_000;

/// The checksum of the dot kernels from one pass (all passes are the
/// same): for smoke runs, where the unoptimized native loop is too slow.
pub fn dot_checksum() -> i64 {
    let dot = (0..DOT_N as u32).fold(0i32, |s, i| {
        let a = i.wrapping_mul(7919) as i16;
        let b = (i * 31 + 5) as i16;
        s.wrapping_add(i32::from(a) * i32::from(b))
    });
    dot.wrapping_mul(DOT_REPS) as u32 as i64
}

/// `dot_scalar.wat` and `dot_simd.wat`: i16 dot product of 8192
/// elements, 30000 times, wrapping i32 sum.
pub fn dot_kernel(a: &mut Vec<i16>, b: &mut Vec<i16>) -> i64 {
    a.resize(DOT_N, 0);
    b.resize(DOT_N, 0);
    for i in 0..DOT_N {
        a[i] = (i as u32).wrapping_mul(7919) as i16;
        b[i] = (i as u32 * 31 + 5) as i16;
    }
    let mut acc = 0i32;
    for _ in 0..DOT_REPS {
        let (a, b) = (black_box(&a[..]), black_box(&b[..]));
        let dot = a.iter().zip(b).fold(0i32, |s, (x, y)| {
            s.wrapping_add(i32::from(*x) * i32::from(*y))
        });
        acc = acc.wrapping_add(dot);
    }
    acc as u32 as i64
}
