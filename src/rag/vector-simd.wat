;; The WebAssembly SIMD kernel of InMemoryVectorStore's exact search (see vector-simd.ts).
;;
;; It computes float32 scores for many rows per call: dot products (dot and cosine) or squared
;; Euclidean distances (l2), four lanes at a time, so the scan runs at the speed memory delivers
;; the rows: consecutive rows with four accumulators per row, rows picked by a filter eight rows
;; at a time. Float32 accumulation rounds differently from
;; the float64 scores the store reports, so these scores only decide which rows are worth scoring
;; exactly: vector-simd.ts keeps every row whose score could, within a proven error bound, still
;; enter the top k, and scores those rows with the JavaScript code of vector-scan.ts.
;;
;; Layout: the memory is owned by JavaScript (imported). Every pointer is a byte offset; a row is
;; `d` consecutive little-endian float32 values, and rows follow each other without padding.
;; Assembled by scripts/build-wasm.mjs into vector-simd-wasm.ts; edit this file, then run
;; `node scripts/build-wasm.mjs`.
(module
  (import "env" "memory" (memory 1 65536))

  ;; Dot product of the `d` floats at `q` and at `x`, in float32.
  (func $dot (param $q i32) (param $x i32) (param $d i32) (result f32)
    (local $end i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $s f32)
    ;; 16 floats per step, one accumulator per group of 4.
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $d) (i32.const -16)) (i32.const 2))))
    (block $done16
      (loop $step16
        (br_if $done16 (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $a0 (f32x4.add (local.get $a0)
          (f32x4.mul (v128.load (local.get $q)) (v128.load (local.get $x)))))
        (local.set $a1 (f32x4.add (local.get $a1)
          (f32x4.mul (v128.load offset=16 (local.get $q)) (v128.load offset=16 (local.get $x)))))
        (local.set $a2 (f32x4.add (local.get $a2)
          (f32x4.mul (v128.load offset=32 (local.get $q)) (v128.load offset=32 (local.get $x)))))
        (local.set $a3 (f32x4.add (local.get $a3)
          (f32x4.mul (v128.load offset=48 (local.get $q)) (v128.load offset=48 (local.get $x)))))
        (local.set $q (i32.add (local.get $q) (i32.const 64)))
        (local.set $x (i32.add (local.get $x) (i32.const 64)))
        (br $step16)))
    (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $a1))
                              (f32x4.add (local.get $a2) (local.get $a3))))
    ;; Then 4 floats per step.
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $d) (i32.const 12)) (i32.const 2))))
    (block $done4
      (loop $step4
        (br_if $done4 (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $a0 (f32x4.add (local.get $a0)
          (f32x4.mul (v128.load (local.get $q)) (v128.load (local.get $x)))))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $step4)))
    (local.set $s (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
      (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))
    ;; Then the last 0 to 3 floats one by one.
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $d) (i32.const 3)) (i32.const 2))))
    (block $done1
      (loop $step1
        (br_if $done1 (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $s (f32.add (local.get $s)
          (f32.mul (f32.load (local.get $q)) (f32.load (local.get $x)))))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (br $step1)))
    (local.get $s))

  ;; Squared Euclidean distance between the `d` floats at `q` and at `x`, in float32.
  (func $l2 (param $q i32) (param $x i32) (param $d i32) (result f32)
    (local $end i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $t v128)
    (local $s f32) (local $u f32)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $d) (i32.const -16)) (i32.const 2))))
    (block $done16
      (loop $step16
        (br_if $done16 (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $t (f32x4.sub (v128.load (local.get $q)) (v128.load (local.get $x))))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $t) (local.get $t))))
        (local.set $t (f32x4.sub (v128.load offset=16 (local.get $q)) (v128.load offset=16 (local.get $x))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $t) (local.get $t))))
        (local.set $t (f32x4.sub (v128.load offset=32 (local.get $q)) (v128.load offset=32 (local.get $x))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $t) (local.get $t))))
        (local.set $t (f32x4.sub (v128.load offset=48 (local.get $q)) (v128.load offset=48 (local.get $x))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $t) (local.get $t))))
        (local.set $q (i32.add (local.get $q) (i32.const 64)))
        (local.set $x (i32.add (local.get $x) (i32.const 64)))
        (br $step16)))
    (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $a1))
                              (f32x4.add (local.get $a2) (local.get $a3))))
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $d) (i32.const 12)) (i32.const 2))))
    (block $done4
      (loop $step4
        (br_if $done4 (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $t (f32x4.sub (v128.load (local.get $q)) (v128.load (local.get $x))))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $t) (local.get $t))))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $step4)))
    (local.set $s (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
      (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $d) (i32.const 3)) (i32.const 2))))
    (block $done1
      (loop $step1
        (br_if $done1 (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $u (f32.sub (f32.load (local.get $q)) (f32.load (local.get $x))))
        (local.set $s (f32.add (local.get $s) (f32.mul (local.get $u) (local.get $u))))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (br $step1)))
    (local.get $s))

  ;; out[j] = dot(q, row j) for the `n` consecutive rows starting at `x`.
  (func (export "dotRows") (param $q i32) (param $x i32) (param $d i32) (param $n i32) (param $out i32)
    (local $rowBytes i32) (local $end i32)
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 2)))
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (f32.store (local.get $out) (call $dot (local.get $q) (local.get $x) (local.get $d)))
        (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $row))))

  ;; out[j] = squared distance(q, row j) for the `n` consecutive rows starting at `x`.
  (func (export "l2Rows") (param $q i32) (param $x i32) (param $d i32) (param $n i32) (param $out i32)
    (local $rowBytes i32) (local $end i32)
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 2)))
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (f32.store (local.get $out) (call $l2 (local.get $q) (local.get $x) (local.get $d)))
        (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $row))))

  ;; The sum of the four lanes of `v`.
  (func $lanes (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; `s` plus the dot product of the `count` floats at `q` and at `x`, one by one.
  (func $dotTail (param $q i32) (param $x i32) (param $count i32) (param $s f32) (result f32)
    (block $done
      (loop $step
        (br_if $done (i32.eqz (local.get $count)))
        (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $q)) (f32.load (local.get $x)))))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $step)))
    (local.get $s))

  ;; `s` plus the squared distance between the `count` floats at `q` and at `x`, one by one.
  (func $l2Tail (param $q i32) (param $x i32) (param $count i32) (param $s f32) (result f32)
    (local $u f32)
    (block $done
      (loop $step
        (br_if $done (i32.eqz (local.get $count)))
        (local.set $u (f32.sub (f32.load (local.get $q)) (f32.load (local.get $x))))
        (local.set $s (f32.add (local.get $s) (f32.mul (local.get $u) (local.get $u))))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $step)))
    (local.get $s))

  ;; out[j] = dot(q, row list[j]) for `n` row numbers (int32) at `list`; row r starts at
  ;; `base + r * d * 4`. Eight rows at a time, one accumulator each: the rows a filter selects are
  ;; scattered, and eight independent streams keep eight memory fetches in flight where one row
  ;; at a time would wait for each row's first cache line. The rest one row at a time.
  (func (export "dotList") (param $q i32) (param $base i32) (param $list i32) (param $d i32) (param $n i32) (param $out i32)
    (local $rowBytes i32) (local $qq i32) (local $end i32) (local $tail i32) (local $qv v128)
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32) (local $x4 i32) (local $x5 i32) (local $x6 i32) (local $x7 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 2)))
    (local.set $tail (i32.and (local.get $d) (i32.const 3)))
    (block $done8
      (loop $group
        (br_if $done8 (i32.lt_u (local.get $n) (i32.const 8)))
        (local.set $x0 (i32.add (local.get $base) (i32.mul (i32.load offset=0 (local.get $list)) (local.get $rowBytes))))
        (local.set $x1 (i32.add (local.get $base) (i32.mul (i32.load offset=4 (local.get $list)) (local.get $rowBytes))))
        (local.set $x2 (i32.add (local.get $base) (i32.mul (i32.load offset=8 (local.get $list)) (local.get $rowBytes))))
        (local.set $x3 (i32.add (local.get $base) (i32.mul (i32.load offset=12 (local.get $list)) (local.get $rowBytes))))
        (local.set $x4 (i32.add (local.get $base) (i32.mul (i32.load offset=16 (local.get $list)) (local.get $rowBytes))))
        (local.set $x5 (i32.add (local.get $base) (i32.mul (i32.load offset=20 (local.get $list)) (local.get $rowBytes))))
        (local.set $x6 (i32.add (local.get $base) (i32.mul (i32.load offset=24 (local.get $list)) (local.get $rowBytes))))
        (local.set $x7 (i32.add (local.get $base) (i32.mul (i32.load offset=28 (local.get $list)) (local.get $rowBytes))))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $a4 (v128.const i32x4 0 0 0 0))
        (local.set $a5 (v128.const i32x4 0 0 0 0))
        (local.set $a6 (v128.const i32x4 0 0 0 0))
        (local.set $a7 (v128.const i32x4 0 0 0 0))
        (local.set $qq (local.get $q))
        (local.set $end (i32.add (local.get $q) (i32.shl (i32.and (local.get $d) (i32.const -4)) (i32.const 2))))
        (block $done4
          (loop $step4
            (br_if $done4 (i32.ge_u (local.get $qq) (local.get $end)))
            (local.set $qv (v128.load (local.get $qq)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $qv) (v128.load (local.get $x0)))))
            (local.set $x0 (i32.add (local.get $x0) (i32.const 16)))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $qv) (v128.load (local.get $x1)))))
            (local.set $x1 (i32.add (local.get $x1) (i32.const 16)))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $qv) (v128.load (local.get $x2)))))
            (local.set $x2 (i32.add (local.get $x2) (i32.const 16)))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $qv) (v128.load (local.get $x3)))))
            (local.set $x3 (i32.add (local.get $x3) (i32.const 16)))
            (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $qv) (v128.load (local.get $x4)))))
            (local.set $x4 (i32.add (local.get $x4) (i32.const 16)))
            (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $qv) (v128.load (local.get $x5)))))
            (local.set $x5 (i32.add (local.get $x5) (i32.const 16)))
            (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $qv) (v128.load (local.get $x6)))))
            (local.set $x6 (i32.add (local.get $x6) (i32.const 16)))
            (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $qv) (v128.load (local.get $x7)))))
            (local.set $x7 (i32.add (local.get $x7) (i32.const 16)))
            (local.set $qq (i32.add (local.get $qq) (i32.const 16)))
            (br $step4)))
        (f32.store offset=0 (local.get $out) (call $dotTail (local.get $qq) (local.get $x0) (local.get $tail) (call $lanes (local.get $a0))))
        (f32.store offset=4 (local.get $out) (call $dotTail (local.get $qq) (local.get $x1) (local.get $tail) (call $lanes (local.get $a1))))
        (f32.store offset=8 (local.get $out) (call $dotTail (local.get $qq) (local.get $x2) (local.get $tail) (call $lanes (local.get $a2))))
        (f32.store offset=12 (local.get $out) (call $dotTail (local.get $qq) (local.get $x3) (local.get $tail) (call $lanes (local.get $a3))))
        (f32.store offset=16 (local.get $out) (call $dotTail (local.get $qq) (local.get $x4) (local.get $tail) (call $lanes (local.get $a4))))
        (f32.store offset=20 (local.get $out) (call $dotTail (local.get $qq) (local.get $x5) (local.get $tail) (call $lanes (local.get $a5))))
        (f32.store offset=24 (local.get $out) (call $dotTail (local.get $qq) (local.get $x6) (local.get $tail) (call $lanes (local.get $a6))))
        (f32.store offset=28 (local.get $out) (call $dotTail (local.get $qq) (local.get $x7) (local.get $tail) (call $lanes (local.get $a7))))
        (local.set $list (i32.add (local.get $list) (i32.const 32)))
        (local.set $out (i32.add (local.get $out) (i32.const 32)))
        (local.set $n (i32.sub (local.get $n) (i32.const 8)))
        (br $group)))
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (f32.store (local.get $out) (call $dot (local.get $q)
          (i32.add (local.get $base) (i32.mul (i32.load (local.get $list)) (local.get $rowBytes)))
          (local.get $d)))
        (local.set $list (i32.add (local.get $list) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $row))))

  ;; out[j] = squared distance(q, row list[j]) for `n` row numbers (int32) at `list`; row r starts at
  ;; `base + r * d * 4`. Eight rows at a time, one accumulator each: the rows a filter selects are
  ;; scattered, and eight independent streams keep eight memory fetches in flight where one row
  ;; at a time would wait for each row's first cache line. The rest one row at a time.
  (func (export "l2List") (param $q i32) (param $base i32) (param $list i32) (param $d i32) (param $n i32) (param $out i32)
    (local $rowBytes i32) (local $qq i32) (local $end i32) (local $tail i32) (local $qv v128) (local $t v128)
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32) (local $x4 i32) (local $x5 i32) (local $x6 i32) (local $x7 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 2)))
    (local.set $tail (i32.and (local.get $d) (i32.const 3)))
    (block $done8
      (loop $group
        (br_if $done8 (i32.lt_u (local.get $n) (i32.const 8)))
        (local.set $x0 (i32.add (local.get $base) (i32.mul (i32.load offset=0 (local.get $list)) (local.get $rowBytes))))
        (local.set $x1 (i32.add (local.get $base) (i32.mul (i32.load offset=4 (local.get $list)) (local.get $rowBytes))))
        (local.set $x2 (i32.add (local.get $base) (i32.mul (i32.load offset=8 (local.get $list)) (local.get $rowBytes))))
        (local.set $x3 (i32.add (local.get $base) (i32.mul (i32.load offset=12 (local.get $list)) (local.get $rowBytes))))
        (local.set $x4 (i32.add (local.get $base) (i32.mul (i32.load offset=16 (local.get $list)) (local.get $rowBytes))))
        (local.set $x5 (i32.add (local.get $base) (i32.mul (i32.load offset=20 (local.get $list)) (local.get $rowBytes))))
        (local.set $x6 (i32.add (local.get $base) (i32.mul (i32.load offset=24 (local.get $list)) (local.get $rowBytes))))
        (local.set $x7 (i32.add (local.get $base) (i32.mul (i32.load offset=28 (local.get $list)) (local.get $rowBytes))))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $a4 (v128.const i32x4 0 0 0 0))
        (local.set $a5 (v128.const i32x4 0 0 0 0))
        (local.set $a6 (v128.const i32x4 0 0 0 0))
        (local.set $a7 (v128.const i32x4 0 0 0 0))
        (local.set $qq (local.get $q))
        (local.set $end (i32.add (local.get $q) (i32.shl (i32.and (local.get $d) (i32.const -4)) (i32.const 2))))
        (block $done4
          (loop $step4
            (br_if $done4 (i32.ge_u (local.get $qq) (local.get $end)))
            (local.set $qv (v128.load (local.get $qq)))
            (local.set $t (f32x4.sub (local.get $qv) (v128.load (local.get $x0))))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $t) (local.get $t))))
            (local.set $x0 (i32.add (local.get $x0) (i32.const 16)))
            (local.set $t (f32x4.sub (local.get $qv) (v128.load (local.get $x1))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $t) (local.get $t))))
            (local.set $x1 (i32.add (local.get $x1) (i32.const 16)))
            (local.set $t (f32x4.sub (local.get $qv) (v128.load (local.get $x2))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $t) (local.get $t))))
            (local.set $x2 (i32.add (local.get $x2) (i32.const 16)))
            (local.set $t (f32x4.sub (local.get $qv) (v128.load (local.get $x3))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $t) (local.get $t))))
            (local.set $x3 (i32.add (local.get $x3) (i32.const 16)))
            (local.set $t (f32x4.sub (local.get $qv) (v128.load (local.get $x4))))
            (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $t) (local.get $t))))
            (local.set $x4 (i32.add (local.get $x4) (i32.const 16)))
            (local.set $t (f32x4.sub (local.get $qv) (v128.load (local.get $x5))))
            (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $t) (local.get $t))))
            (local.set $x5 (i32.add (local.get $x5) (i32.const 16)))
            (local.set $t (f32x4.sub (local.get $qv) (v128.load (local.get $x6))))
            (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $t) (local.get $t))))
            (local.set $x6 (i32.add (local.get $x6) (i32.const 16)))
            (local.set $t (f32x4.sub (local.get $qv) (v128.load (local.get $x7))))
            (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $t) (local.get $t))))
            (local.set $x7 (i32.add (local.get $x7) (i32.const 16)))
            (local.set $qq (i32.add (local.get $qq) (i32.const 16)))
            (br $step4)))
        (f32.store offset=0 (local.get $out) (call $l2Tail (local.get $qq) (local.get $x0) (local.get $tail) (call $lanes (local.get $a0))))
        (f32.store offset=4 (local.get $out) (call $l2Tail (local.get $qq) (local.get $x1) (local.get $tail) (call $lanes (local.get $a1))))
        (f32.store offset=8 (local.get $out) (call $l2Tail (local.get $qq) (local.get $x2) (local.get $tail) (call $lanes (local.get $a2))))
        (f32.store offset=12 (local.get $out) (call $l2Tail (local.get $qq) (local.get $x3) (local.get $tail) (call $lanes (local.get $a3))))
        (f32.store offset=16 (local.get $out) (call $l2Tail (local.get $qq) (local.get $x4) (local.get $tail) (call $lanes (local.get $a4))))
        (f32.store offset=20 (local.get $out) (call $l2Tail (local.get $qq) (local.get $x5) (local.get $tail) (call $lanes (local.get $a5))))
        (f32.store offset=24 (local.get $out) (call $l2Tail (local.get $qq) (local.get $x6) (local.get $tail) (call $lanes (local.get $a6))))
        (f32.store offset=28 (local.get $out) (call $l2Tail (local.get $qq) (local.get $x7) (local.get $tail) (call $lanes (local.get $a7))))
        (local.set $list (i32.add (local.get $list) (i32.const 32)))
        (local.set $out (i32.add (local.get $out) (i32.const 32)))
        (local.set $n (i32.sub (local.get $n) (i32.const 8)))
        (br $group)))
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (f32.store (local.get $out) (call $l2 (local.get $q)
          (i32.add (local.get $base) (i32.mul (i32.load (local.get $list)) (local.get $rowBytes)))
          (local.get $d)))
        (local.set $list (i32.add (local.get $list) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $row)))))
