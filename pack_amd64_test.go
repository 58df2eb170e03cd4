//go:build gc && !purego && !noasm

package ann

import (
	"math"
	"math/rand/v2"
	"testing"
)

// guardBits is the bit pattern of the NaN that fills what a packer must
// leave untouched.
const guardBits = 0x7fc0dead

// packSrc returns n float32s of random bits (NaNs, infinities and
// subnormals included: a copy must keep every bit).
func packSrc(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = math.Float32frombits(r.Uint32())
	}
	return s
}

// guardedDst returns a buffer of n floats between guard zones of g floats,
// all filled with the guard NaN, and the n-float window into it.
func guardedDst(n, g int) (all, win []float32) {
	all = make([]float32, n+2*g)
	for i := range all {
		all[i] = math.Float32frombits(guardBits)
	}
	return all, all[g : g+n]
}

// packKbs are the depths the packer tests sweep: 0..70 and a few large.
func packKbs() []int {
	var kbs []int
	for kb := 0; kb <= 70; kb++ {
		kbs = append(kbs, kb)
	}
	return append(kbs, 127, 256, 513)
}

// testPackA checks packAFast with asm against the Go loop ref over kb, lda
// from kb to kb+5 and offsets 0..7: the packed strips bit for bit, the
// guard zones around them untouched, the source unchanged.
func testPackA(t *testing.T, asm func(d, a []float32, lda, kb int), ref func(d, a []float32, off, lda, kb int), mr int) {
	if asm == nil {
		t.Skip("the CPU has no assembly packer for this tile")
	}
	r := rand.New(rand.NewPCG(1, uint64(mr)))
	const g = 37
	for _, kb := range packKbs() {
		for lda := kb; lda <= kb+5; lda++ {
			for off := 0; off < 8; off++ {
				a := packSrc(r, off+(mr-1)*lda+kb+g)
				// The elements between the rows (lda > kb) and after the
				// last one are NaN guards: none may reach d.
				for i := range a {
					if i < off || lda == 0 || (i-off)%lda >= kb || (i-off)/lda >= mr {
						a[i] = math.Float32frombits(guardBits)
					}
				}
				a0 := append([]float32(nil), a...)
				gotAll, got := guardedDst(mr*kb, g)
				wantAll, want := guardedDst(mr*kb, g)
				packAFast(asm, ref, mr, got, a, off, lda, kb)
				ref(want, a, off, lda, kb)
				if i := sameBits(gotAll, wantAll); i >= 0 {
					t.Fatalf("kb=%d lda=%d off=%d: element %d of the guarded buffer (%d before d) = %#x, want %#x",
						kb, lda, off, i, g, math.Float32bits(gotAll[i]), math.Float32bits(wantAll[i]))
				}
				if i := sameBits(a, a0); i >= 0 {
					t.Fatalf("kb=%d lda=%d off=%d: a[%d] changed", kb, lda, off, i)
				}
				for i, v := range want {
					if math.Float32bits(v) == guardBits {
						t.Fatalf("kb=%d lda=%d off=%d: the reference copied a guard to d[%d]", kb, lda, off, i)
					}
				}
			}
		}
	}
}

func TestPackA8AVX512(t *testing.T) { testPackA(t, packAsm.a8, packA8, 8) }
func TestPackA6AVX2(t *testing.T)   { testPackA(t, packAsm.a6, packA6, 6) }

// testPackRuns checks packRuns against packRunsGo for width w, every n ≤ w,
// ld from n to n+5 and offsets 0..7: d bit for bit (the padding zeros
// included), the guard zones around d untouched, the source unchanged.
func testPackRuns(t *testing.T, w int) {
	r := rand.New(rand.NewPCG(2, uint64(w)))
	const g = 37
	for _, kb := range packKbs() {
		for n := 0; n <= w; n++ {
			if kb > 70 && n%5 != 0 && n < w-1 {
				continue // the large depths: a sample of widths
			}
			for ld := max(n, 1); ld <= n+5; ld++ {
				for off := 0; off < 8; off++ {
					src := packSrc(r, off+kb*ld+g)
					for i := range src {
						if i < off || (i-off)%ld >= n || (i-off)/ld >= kb {
							src[i] = math.Float32frombits(guardBits)
						}
					}
					s0 := append([]float32(nil), src...)
					gotAll, got := guardedDst(w*kb, g)
					wantAll, want := guardedDst(w*kb, g)
					packRuns(got, src, off, ld, kb, n, w)
					packRunsGo(want, src, off, ld, kb, n, w)
					if i := sameBits(gotAll, wantAll); i >= 0 {
						t.Fatalf("kb=%d n=%d ld=%d off=%d: element %d of the guarded buffer (%d before d) = %#x, want %#x",
							kb, n, ld, off, i, g, math.Float32bits(gotAll[i]), math.Float32bits(wantAll[i]))
					}
					if i := sameBits(src, s0); i >= 0 {
						t.Fatalf("kb=%d n=%d ld=%d off=%d: src[%d] changed", kb, n, ld, off, i)
					}
					for i, v := range want {
						if math.Float32bits(v) == guardBits {
							t.Fatalf("kb=%d n=%d ld=%d off=%d: the reference copied a guard to d[%d]", kb, n, ld, off, i)
						}
					}
				}
			}
		}
	}
}

func TestPackRuns32AVX512(t *testing.T) {
	if packAsm.runs32 == nil {
		t.Skip("no AVX-512 packer")
	}
	testPackRuns(t, 32)
}

func TestPackRuns8AVX512(t *testing.T) {
	if packAsm.runs8 == nil {
		t.Skip("no AVX-512 packer")
	}
	testPackRuns(t, 8)
}

func TestPackRuns16AVX2(t *testing.T) {
	if packAsm.runs16 == nil {
		t.Skip("no AVX2 packer")
	}
	testPackRuns(t, 16)
}

// TestPackGather32AVX512 checks packGather against packGatherGo for w = 32
// (the assembly for n = 32, the Go loop for the rest), ld from kb to kb+5
// and offsets 0..7: d bit for bit, the guard zones untouched, src
// unchanged.
func TestPackGather32AVX512(t *testing.T) {
	if packAsm.gather32 == nil {
		t.Skip("no AVX-512 packer")
	}
	const w, g = 32, 37
	r := rand.New(rand.NewPCG(3, w))
	for _, kb := range packKbs() {
		for _, n := range []int{32, 31, 9} {
			for ld := max(kb, 1); ld <= kb+5; ld++ {
				for off := 0; off < 8; off++ {
					src := packSrc(r, off+n*ld+g)
					for i := range src {
						if i < off || (i-off)%ld >= kb || (i-off)/ld >= n {
							src[i] = math.Float32frombits(guardBits)
						}
					}
					s0 := append([]float32(nil), src...)
					gotAll, got := guardedDst(w*kb, g)
					wantAll, want := guardedDst(w*kb, g)
					packGather(got, src, off, ld, kb, n, w)
					packGatherGo(want, src, off, ld, kb, n, w)
					if i := sameBits(gotAll, wantAll); i >= 0 {
						t.Fatalf("kb=%d n=%d ld=%d off=%d: element %d of the guarded buffer (%d before d) = %#x, want %#x",
							kb, n, ld, off, i, g, math.Float32bits(gotAll[i]), math.Float32bits(wantAll[i]))
					}
					if i := sameBits(src, s0); i >= 0 {
						t.Fatalf("kb=%d n=%d ld=%d off=%d: src[%d] changed", kb, n, ld, off, i)
					}
					for i, v := range want {
						if math.Float32bits(v) == guardBits {
							t.Fatalf("kb=%d n=%d ld=%d off=%d: the reference copied a guard to d[%d]", kb, n, ld, off, i)
						}
					}
				}
			}
		}
	}
}
