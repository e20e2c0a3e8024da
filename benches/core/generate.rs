//! The generated module of the compile-time rows.

/// Deterministic pseudo-random numbers (a 64-bit LCG), so the generated
/// module is the same on every run.
pub(crate) struct Lcg(pub(crate) u64);
impl Lcg {
    pub(crate) fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }
    pub(crate) fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }
}

/// Number of functions in the generated module.
pub(crate) const GEN_FUNCS: u32 = 3000;

/// Generates the text of a module with [`GEN_FUNCS`] functions of type
/// `(i32, i32) -> i32` whose bodies rotate through five shapes: integer
/// arithmetic chains, loops with branches, calls (direct and indirect) to
/// earlier functions, memory loads and stores, and f64 arithmetic. It
/// exports `run` (returns 42 without calling anything, for `--invoke`) and
/// every tenth function.
pub(crate) fn generate_module_wat() -> String {
    use std::fmt::Write;
    let mut rng = Lcg(0x5eed);
    let mut w = String::with_capacity(8 << 20);
    w.push_str("(module\n  (type $t (func (param i32 i32) (result i32)))\n");
    w.push_str("  (memory 1)\n  (global $g (mut i32) (i32.const 7))\n");
    w.push_str(&format!("  (table {GEN_FUNCS} funcref)\n"));
    let i32_ops = [
        "i32.add",
        "i32.sub",
        "i32.mul",
        "i32.and",
        "i32.or",
        "i32.xor",
        "i32.shl",
        "i32.shr_u",
        "i32.shr_s",
        "i32.rotl",
    ];
    for f in 0..GEN_FUNCS {
        let kind = if f < 8 { f % 2 } else { f % 5 };
        let _ = writeln!(w, "  (func $f{f} (type $t) (local i32 i32 i64 f64)");
        match kind {
            // integer arithmetic chain
            0 => {
                w.push_str("    local.get 0 local.get 1 i32.add local.set 2\n");
                for _ in 0..(12 + rng.below(20)) {
                    let op = i32_ops[rng.below(i32_ops.len() as u32) as usize];
                    let op2 = i32_ops[rng.below(i32_ops.len() as u32) as usize];
                    let c = rng.below(1000) as i32 - 500;
                    let _ = writeln!(
                        w,
                        "    local.get 2 i32.const {c} {op} local.get {} {op2} local.set 2",
                        rng.below(2)
                    );
                }
                w.push_str("    local.get 2 global.get $g i32.add\n");
            }
            // loops with an if/else and a br_table
            1 => {
                let _ = writeln!(
                    w,
                    "    local.get 0 i32.const {} i32.and local.set 3",
                    rng.below(64) + 1
                );
                let _ = writeln!(
                    w,
                    "    block $exit loop $top\n      local.get 3 i32.eqz br_if $exit\n      \
                     local.get 3 i32.const 1 i32.and\n      if\n        local.get 2 local.get 1 \
                     i32.const {} i32.mul i32.add local.set 2\n      else\n        local.get 2 \
                     i32.const {} i32.xor local.set 2\n      end",
                    rng.below(97),
                    rng.below(1 << 20)
                );
                let _ = writeln!(
                    w,
                    "      block $b2 block $b1 block $b0\n        local.get 3 i32.const 3 i32.and \
                     br_table $b0 $b1 $b2 $b2\n      end local.get 2 i32.const {} i32.add local.set 2 \
                     br $b2\n      end local.get 2 i32.const {} i32.rotl local.set 2\n      end",
                    rng.below(1000),
                    rng.below(31)
                );
                w.push_str(
                    "      local.get 3 i32.const 1 i32.sub local.set 3\n      br $top\n    end end\n",
                );
                w.push_str("    local.get 2\n");
            }
            // direct and indirect calls to earlier functions
            2 => {
                w.push_str("    local.get 0\n");
                for k in 0..(2 + rng.below(3)) {
                    let callee = rng.below(f);
                    let _ = writeln!(w, "    local.get 1 local.get 0 i32.const {k} i32.add");
                    if k == 1 {
                        let _ =
                            writeln!(w, "    i32.const {callee} call_indirect (type $t) i32.add");
                    } else {
                        let _ = writeln!(w, "    call $f{callee} i32.add");
                    }
                }
            }
            // memory loads and stores (addresses masked into the page)
            3 => {
                w.push_str("    local.get 0 i32.const 0xfff0 i32.and local.set 3\n");
                for _ in 0..(6 + rng.below(10)) {
                    let off = rng.below(64) * 8;
                    match rng.below(4) {
                        0 => {
                            let _ = writeln!(
                                w,
                                "    local.get 3 local.get 3 i32.load offset={off} local.get 1 \
                                 i32.add i32.store offset={}",
                                rng.below(64) * 4
                            );
                        }
                        1 => {
                            let _ = writeln!(
                                w,
                                "    local.get 3 i64.load offset={off} local.get 4 i64.add \
                                 local.set 4"
                            );
                        }
                        2 => {
                            let _ = writeln!(
                                w,
                                "    local.get 3 local.get 4 i64.const {} i64.mul i64.store offset={off}",
                                rng.next()
                            );
                        }
                        _ => {
                            let _ = writeln!(
                                w,
                                "    local.get 2 local.get 3 i32.load8_u offset={off} i32.add \
                                 local.set 2"
                            );
                        }
                    }
                }
                w.push_str("    local.get 2 local.get 4 i32.wrap_i64 i32.add\n");
            }
            // f64 arithmetic
            _ => {
                w.push_str("    local.get 0 f64.convert_i32_s local.set 5\n");
                for _ in 0..(6 + rng.below(10)) {
                    let c = rng.below(10_000) as f64 / 7.0 + 1.0;
                    match rng.below(4) {
                        0 => {
                            let _ = writeln!(
                                w,
                                "    local.get 5 f64.const {c} f64.mul local.get 1 \
                                 f64.convert_i32_u f64.add local.set 5"
                            );
                        }
                        1 => {
                            let _ = writeln!(
                                w,
                                "    local.get 5 f64.abs f64.sqrt f64.const {c} f64.div local.set 5"
                            );
                        }
                        2 => {
                            let _ = writeln!(
                                w,
                                "    local.get 5 f64.const {c} local.get 5 f64.const {c} f64.lt \
                                 select local.set 5"
                            );
                        }
                        _ => {
                            let _ = writeln!(
                                w,
                                "    local.get 5 f64.floor f64.const {c} f64.min f64.const -{c} \
                                 f64.max local.set 5"
                            );
                        }
                    }
                }
                w.push_str("    local.get 5 i32.trunc_sat_f64_s\n");
            }
        }
        w.push_str("  )\n");
        if f % 10 == 0 {
            let _ = writeln!(w, "  (export \"f{f}\" (func $f{f}))");
        }
    }
    w.push_str("  (elem (i32.const 0) func");
    for f in 0..GEN_FUNCS {
        let _ = write!(w, " $f{f}");
    }
    w.push_str(")\n  (func (export \"run\") (result i32) i32.const 42)\n)\n");
    w
}
