//! Pinned hash functions. They decide where every token and key sits on the ring, so they are
//! part of the link format: each is our own code, checked against published reference vectors
//! (`tests` below and `tests/it/ring.rs`), and must never change.
//!
//! | link name | function | 64-bit key hash |
//! |---|---|---|
//! | `xxh64` | xxHash64 (Collet), seed 0 | the digest |
//! | `murmur3` | MurmurHash3_x64_128 (Appleby), seed 0 | `h1`, the first 8 digest bytes read little-endian (Cassandra's `Murmur3Partitioner` token) |
//! | `fnv1a` | FNV-1a 64-bit (Fowler, Noll, Vo) | the digest |
//! | `md5` | MD5 (RFC 1321), the ketama scheme | digest bytes 0..4 little-endian in the high half, bytes 4..8 in the low half |
//!
//! `fnv1a` is kept honest (no extra finalizer) on purpose: on short, similar strings such as the
//! token names `n3#0`, `n3#1`, … its high bits barely change, so a node's tokens bunch together
//! and the ring is badly unbalanced (σ/mean ≈ 170 % at 10 vnodes × 10 nodes against ≈ 30 % for
//! the others) — the lab's lesson that a ring is only as good as its hash.
//!
//! **Ketama** (libketama, used by memcached clients and twemproxy): a server gets 40 MD5 digests
//! of `"<host>-<k>"` (k = 0..40) and each 16-byte digest gives four 32-bit points, bytes read
//! little-endian (`ketama_hashi`); a key's point is the first 4 digest bytes, little-endian. On
//! our 64-bit ring a 32-bit ketama point `p` sits at `p << 32`, which keeps ketama's order and
//! its ties exactly (see [`HashFn::ring_position`]).

crate::text_enum! {
    /// The hash function behind a ring or scheme, by link name.
    pub enum HashFn {
        /// xxHash64, seed 0 (`xxh64`, the default).
        #[default]
        Xxh64 = "xxh64" / "xxHash64",
        /// MurmurHash3 x64_128, seed 0, first half `h1` (`murmur3`).
        Murmur3 = "murmur3" / "MurmurHash3",
        /// FNV-1a, 64-bit (`fnv1a`): weak on short similar keys, see the module docs.
        Fnv1a = "fnv1a" / "FNV-1a (weak)",
        /// MD5 with libketama's point scheme (`md5`).
        Md5 = "md5" / "MD5 (ketama)",
    }
}

impl HashFn {
    /// The 64-bit hash of `data` (see the table in the module docs).
    pub fn hash(self, data: &[u8]) -> u64 {
        match self {
            HashFn::Xxh64 => xxh64(data, 0),
            HashFn::Murmur3 => murmur3_x64_128(data, 0).0,
            HashFn::Fnv1a => fnv1a64(data),
            HashFn::Md5 => {
                let d = md5(data);
                let hi = u32::from_le_bytes([d[0], d[1], d[2], d[3]]) as u64;
                let lo = u32::from_le_bytes([d[4], d[5], d[6], d[7]]) as u64;
                (hi << 32) | lo
            }
        }
    }

    /// Where a key with 64-bit hash `h` sits on the ring: `h` itself, except for `md5`, whose
    /// ring is ketama's 32-bit continuum (`ketama_hashi(key) << 32`).
    pub fn ring_position(self, h: u64) -> u64 {
        match self {
            HashFn::Md5 => h & 0xFFFF_FFFF_0000_0000,
            _ => h,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// xxHash64 — after the reference implementation (xxhash.h, XXH64), seed-parameterised.

const XXH_P1: u64 = 0x9E37_79B1_85EB_CA87;
const XXH_P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const XXH_P3: u64 = 0x1656_67B1_9E37_79F9;
const XXH_P4: u64 = 0x85EB_CA77_C2B2_AE63;
const XXH_P5: u64 = 0x27D4_EB2F_1656_67C5;

fn read_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

fn read_u32(b: &[u8]) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[..4]);
    u32::from_le_bytes(a)
}

fn xxh_round(acc: u64, input: u64) -> u64 {
    acc.wrapping_add(input.wrapping_mul(XXH_P2))
        .rotate_left(31)
        .wrapping_mul(XXH_P1)
}

fn xxh_merge(acc: u64, val: u64) -> u64 {
    (acc ^ xxh_round(0, val))
        .wrapping_mul(XXH_P1)
        .wrapping_add(XXH_P4)
}

/// xxHash64 of `data` with `seed` (the reference XXH64).
pub fn xxh64(data: &[u8], seed: u64) -> u64 {
    let len = data.len();
    let mut rest = data;
    let mut h = if len >= 32 {
        let mut v = [
            seed.wrapping_add(XXH_P1).wrapping_add(XXH_P2),
            seed.wrapping_add(XXH_P2),
            seed,
            seed.wrapping_sub(XXH_P1),
        ];
        while rest.len() >= 32 {
            for (i, acc) in v.iter_mut().enumerate() {
                *acc = xxh_round(*acc, read_u64(&rest[i * 8..]));
            }
            rest = &rest[32..];
        }
        let mut h = v[0]
            .rotate_left(1)
            .wrapping_add(v[1].rotate_left(7))
            .wrapping_add(v[2].rotate_left(12))
            .wrapping_add(v[3].rotate_left(18));
        for acc in v {
            h = xxh_merge(h, acc);
        }
        h
    } else {
        seed.wrapping_add(XXH_P5)
    };
    h = h.wrapping_add(len as u64);
    while rest.len() >= 8 {
        h ^= xxh_round(0, read_u64(rest));
        h = h.rotate_left(27).wrapping_mul(XXH_P1).wrapping_add(XXH_P4);
        rest = &rest[8..];
    }
    if rest.len() >= 4 {
        h ^= (read_u32(rest) as u64).wrapping_mul(XXH_P1);
        h = h.rotate_left(23).wrapping_mul(XXH_P2).wrapping_add(XXH_P3);
        rest = &rest[4..];
    }
    for &b in rest {
        h ^= (b as u64).wrapping_mul(XXH_P5);
        h = h.rotate_left(11).wrapping_mul(XXH_P1);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(XXH_P2);
    h ^= h >> 29;
    h = h.wrapping_mul(XXH_P3);
    h ^ (h >> 32)
}

// ---------------------------------------------------------------------------------------------
// MurmurHash3 x64_128 — after Appleby's MurmurHash3.cpp (public domain).

const MUR_C1: u64 = 0x87C3_7B91_1142_53D5;
const MUR_C2: u64 = 0x4CF5_AD43_2745_937F;

/// MurmurHash3's 64-bit finalizer (`fmix64`): a bijection with full avalanche.
pub fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    k ^= k >> 33;
    k = k.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    k ^ (k >> 33)
}

fn mur_k1(k1: u64) -> u64 {
    k1.wrapping_mul(MUR_C1).rotate_left(31).wrapping_mul(MUR_C2)
}

fn mur_k2(k2: u64) -> u64 {
    k2.wrapping_mul(MUR_C2).rotate_left(33).wrapping_mul(MUR_C1)
}

/// MurmurHash3_x64_128 of `data` with `seed`: `(h1, h2)`, the digest's two little-endian halves.
pub fn murmur3_x64_128(data: &[u8], seed: u32) -> (u64, u64) {
    let len = data.len();
    let mut h1 = seed as u64;
    let mut h2 = seed as u64;
    let mut blocks = data.chunks_exact(16);
    for block in &mut blocks {
        h1 ^= mur_k1(read_u64(block));
        h1 = h1
            .rotate_left(27)
            .wrapping_add(h2)
            .wrapping_mul(5)
            .wrapping_add(0x52DC_E729);
        h2 ^= mur_k2(read_u64(&block[8..]));
        h2 = h2
            .rotate_left(31)
            .wrapping_add(h1)
            .wrapping_mul(5)
            .wrapping_add(0x3849_5AB5);
    }
    let tail = blocks.remainder();
    if tail.len() > 8 {
        let mut k2 = 0u64;
        for (i, &b) in tail[8..].iter().enumerate() {
            k2 ^= (b as u64) << (i * 8);
        }
        h2 ^= mur_k2(k2);
    }
    if !tail.is_empty() {
        let mut k1 = 0u64;
        for (i, &b) in tail[..tail.len().min(8)].iter().enumerate() {
            k1 ^= (b as u64) << (i * 8);
        }
        h1 ^= mur_k1(k1);
    }
    h1 ^= len as u64;
    h2 ^= len as u64;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    h1 = fmix64(h1);
    h2 = fmix64(h2);
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    (h1, h2)
}

// ---------------------------------------------------------------------------------------------
// FNV-1a 64 — offset basis and prime from the FNV specification (draft-eastlake-fnv).

/// FNV-1a, 64-bit.
pub fn fnv1a64(data: &[u8]) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for &b in data {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

// ---------------------------------------------------------------------------------------------
// MD5 — RFC 1321. Not for security here: only for ketama compatibility.

/// Per-round shift amounts (RFC 1321 §3.4).
const MD5_S: [u32; 64] = [
    7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9,
    14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15,
    21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
];

/// `T[i] = floor(2^32 × |sin(i + 1)|)`, as printed in RFC 1321 §3.4 (constants, not computed,
/// so no platform `sin` is involved).
const MD5_T: [u32; 64] = [
    0xd76a_a478,
    0xe8c7_b756,
    0x2420_70db,
    0xc1bd_ceee,
    0xf57c_0faf,
    0x4787_c62a,
    0xa830_4613,
    0xfd46_9501,
    0x6980_98d8,
    0x8b44_f7af,
    0xffff_5bb1,
    0x895c_d7be,
    0x6b90_1122,
    0xfd98_7193,
    0xa679_438e,
    0x49b4_0821,
    0xf61e_2562,
    0xc040_b340,
    0x265e_5a51,
    0xe9b6_c7aa,
    0xd62f_105d,
    0x0244_1453,
    0xd8a1_e681,
    0xe7d3_fbc8,
    0x21e1_cde6,
    0xc337_07d6,
    0xf4d5_0d87,
    0x455a_14ed,
    0xa9e3_e905,
    0xfcef_a3f8,
    0x676f_02d9,
    0x8d2a_4c8a,
    0xfffa_3942,
    0x8771_f681,
    0x6d9d_6122,
    0xfde5_380c,
    0xa4be_ea44,
    0x4bde_cfa9,
    0xf6bb_4b60,
    0xbebf_bc70,
    0x289b_7ec6,
    0xeaa1_27fa,
    0xd4ef_3085,
    0x0488_1d05,
    0xd9d4_d039,
    0xe6db_99e5,
    0x1fa2_7cf8,
    0xc4ac_5665,
    0xf429_2244,
    0x432a_ff97,
    0xab94_23a7,
    0xfc93_a039,
    0x655b_59c3,
    0x8f0c_cc92,
    0xffef_f47d,
    0x8584_5dd1,
    0x6fa8_7e4f,
    0xfe2c_e6e0,
    0xa301_4314,
    0x4e08_11a1,
    0xf753_7e82,
    0xbd3a_f235,
    0x2ad7_d2bb,
    0xeb86_d391,
];

fn md5_block(state: &mut [u32; 4], block: &[u8]) {
    let mut m = [0u32; 16];
    for (i, w) in m.iter_mut().enumerate() {
        *w = read_u32(&block[i * 4..]);
    }
    let [mut a, mut b, mut c, mut d] = *state;
    for i in 0..64 {
        let (f, g) = match i / 16 {
            0 => ((b & c) | (!b & d), i),
            1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
            2 => (b ^ c ^ d, (3 * i + 5) % 16),
            _ => (c ^ (b | !d), (7 * i) % 16),
        };
        let rotated = a
            .wrapping_add(f)
            .wrapping_add(MD5_T[i])
            .wrapping_add(m[g])
            .rotate_left(MD5_S[i]);
        a = d;
        d = c;
        c = b;
        b = b.wrapping_add(rotated);
    }
    state[0] = state[0].wrapping_add(a);
    state[1] = state[1].wrapping_add(b);
    state[2] = state[2].wrapping_add(c);
    state[3] = state[3].wrapping_add(d);
}

/// The MD5 digest of `data` (RFC 1321).
pub fn md5(data: &[u8]) -> [u8; 16] {
    let mut state: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
    let mut blocks = data.chunks_exact(64);
    for block in &mut blocks {
        md5_block(&mut state, block);
    }
    // Padding: 0x80, zeros to 56 mod 64, then the bit length, little-endian.
    let rem = blocks.remainder();
    let mut tail = [0u8; 128];
    tail[..rem.len()].copy_from_slice(rem);
    tail[rem.len()] = 0x80;
    let tail_len = if rem.len() < 56 { 64 } else { 128 };
    let bits = (data.len() as u64).wrapping_mul(8);
    tail[tail_len - 8..tail_len].copy_from_slice(&bits.to_le_bytes());
    for block in tail[..tail_len].chunks_exact(64) {
        md5_block(&mut state, block);
    }
    let mut out = [0u8; 16];
    for (i, w) in state.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
    }
    out
}

/// The four ketama points of one MD5 digest (libketama: `(d[3+4h]<<24)|…|d[4h]`, h = 0..4).
pub fn ketama_points(digest: &[u8; 16]) -> [u32; 4] {
    let mut p = [0u32; 4];
    for (h, x) in p.iter_mut().enumerate() {
        *x = read_u32(&digest[h * 4..]);
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(d: &[u8]) -> String {
        d.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// RFC 1321 §A.5 test suite.
    #[test]
    fn md5_rfc1321_suite() {
        let cases: [(&str, &str); 7] = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            (
                "abcdefghijklmnopqrstuvwxyz",
                "c3fcd3d76192e4007dfb496cca67e13b",
            ),
            (
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                "d174ab98d277d9f5a5611c2c9f419d9f",
            ),
            (
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(hex(&md5(input.as_bytes())), want, "md5({input:?})");
        }
    }

    #[test]
    fn names_round_trip() {
        for h in HashFn::ALL {
            assert_eq!(HashFn::parse(h.as_str()), Some(h));
        }
        assert_eq!(HashFn::parse("sha1"), None);
    }
}
