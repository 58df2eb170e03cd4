//go:build gc && !purego && !noasm

package ann

import "testing"

// TestPackRunsGuardPage runs the assembly packRuns (w = 8, 16 and 32, every
// n ≤ w) and packAFast with the source and d each ending at a protected
// page: a read past the last run's n-th column (an unmasked load of the
// padding) or past the last row of A, or a write past d, would fault.
func TestPackRunsGuardPage(t *testing.T) {
	for _, w := range []int{8, 16, 32} {
		if w == 8 && packAsm.runs8 == nil || w == 16 && packAsm.runs16 == nil || w == 32 && packAsm.runs32 == nil {
			continue
		}
		for n := 0; n <= w; n++ {
			for _, kb := range []int{1, 3, 4, 9} {
				ld := max(n, 1)
				src := guardedFloats(t, (kb-1)*ld+n)
				for i := range src {
					src[i] = float32(i + 1)
				}
				d := guardedFloats(t, w*kb)
				packRuns(d, src, 0, ld, kb, n, w)
				for p := 0; p < kb; p++ {
					for j := 0; j < w; j++ {
						want := float32(0)
						if j < n {
							want = float32(p*ld + j + 1)
						}
						if d[p*w+j] != want {
							t.Fatalf("w=%d n=%d kb=%d: d[%d] = %v, want %v", w, n, kb, p*w+j, d[p*w+j], want)
						}
					}
				}
			}
		}
	}
	for _, c := range []struct {
		asm func(d, a []float32, lda, kb int)
		ref func(d, a []float32, off, lda, kb int)
		mr  int
	}{{packAsm.a6, packA6, 6}, {packAsm.a8, packA8, 8}} {
		if c.asm == nil {
			continue
		}
		for _, kb := range []int{8, 13, 16} {
			a := guardedFloats(t, (c.mr-1)*kb+kb)
			for i := range a {
				a[i] = float32(i + 1)
			}
			d := guardedFloats(t, c.mr*kb)
			packAFast(c.asm, c.ref, c.mr, d, a, 0, kb, kb)
			for p := 0; p < kb; p++ {
				for i := 0; i < c.mr; i++ {
					if want := a[i*kb+p]; d[c.mr*p+i] != want {
						t.Fatalf("mr=%d kb=%d: d[%d] = %v, want %v", c.mr, kb, c.mr*p+i, d[c.mr*p+i], want)
					}
				}
			}
		}
	}
}

// TestPackGather32GuardPage runs the assembly gather on every kb 1..20 with
// the source ending at the last run's kb-th value and d at its 32·kb-th
// float, each against a protected page: an unmasked load of the tail steps
// or a store of a row past kb would fault.
func TestPackGather32GuardPage(t *testing.T) {
	if packAsm.gather32 == nil {
		t.Skip("no AVX-512 packer")
	}
	for kb := 1; kb <= 20; kb++ {
		for _, ld := range []int{kb, kb + 3} {
			src := guardedFloats(t, 31*ld+kb)
			for i := range src {
				src[i] = float32(i + 1)
			}
			d := guardedFloats(t, 32*kb)
			packGather(d, src, 0, ld, kb, 32, 32)
			for p := 0; p < kb; p++ {
				for j := 0; j < 32; j++ {
					if want := src[j*ld+p]; d[p*32+j] != want {
						t.Fatalf("kb=%d ld=%d: d[%d] = %v, want %v", kb, ld, p*32+j, d[p*32+j], want)
					}
				}
			}
		}
	}
}
