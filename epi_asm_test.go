//go:build gc && !purego && !noasm

package ann

import (
	"math"
	"math/rand"
	"testing"
)

// epiSpecials are the values the epilogue tests mix into every tile: NaNs
// of both signs (quiet and signalling, with payloads), signed zeros and
// infinities, denormals, the piecewise unit's breakpoints ±0.5 and their
// neighbours, and 1 (its upper clamp).
var epiSpecials = []uint32{
	0x7fc00001, 0xffc00002, 0x7f800005, 0xff812345, // NaN
	0x00000000, 0x80000000, 0x7f800000, 0xff800000, // ±0, ±Inf
	0x00000001, 0x807fffff, 0x00400000, 0x80000003, // denormals
	0x3f000000, 0xbf000000, 0x3effffff, 0xbeffffff, 0x3f000001, 0xbf000001, // ±0.5 and neighbours
	0x3f800000, 0xbf800000, 0x3f7fffff, 0x3f800001, 0x00800000, 0x80800000, // ±1, 1∓ulp, ±min normal
}

// epiGuard fills the whole buffer before a tile is written into it: a NaN
// no kernel produces, so a stray store shows.
const epiGuard = 0x7fbadbad

func epiValue(rng *rand.Rand) float32 {
	if rng.Intn(2) == 0 {
		return math.Float32frombits(epiSpecials[rng.Intn(len(epiSpecials))])
	}
	return float32(rng.NormFloat64())
}

// epiBuf returns a guard-filled buffer for a rows×cols tile ld apart at
// offset pad, the tile filled by epiValue.
func epiBuf(rng *rand.Rand, rows, cols, ld, pad int) []float32 {
	b := make([]float32, pad+(rows-1)*ld+cols+pad)
	for i := range b {
		b[i] = math.Float32frombits(epiGuard)
	}
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			b[pad+i*ld+j] = epiValue(rng)
		}
	}
	return b
}

var epiActs = [...]Activation{epiNone: Identity, epiCopy: Identity, epiReLU: ReLU, epiLeaky: LeakyReLU,
	epiPiecewise: PiecewiseLinear}

var epiOpNames = [...]string{"none", "copy", "relu", "leaky", "piecewise"}

// epiSets returns the asm kernel sets with tile-epilogue kernels this CPU
// runs.
func epiSets(t *testing.T) []*gemmKernel {
	var sets []*gemmKernel
	for _, k := range kernels {
		if k.epiForward != nil {
			sets = append(sets, k)
		}
	}
	if len(sets) == 0 {
		t.Skip("no tile-epilogue kernels on this CPU")
	}
	return sets
}

// TestEpiForwardKernels checks epiForward of every asm set against addRow
// and forwardRow bit for bit: rows 1..8 × cols 1..epiWidth × every op ×
// bias or not × out separate or in place, special values throughout, NaN
// guards around every buffer and in the padding between rows.
func TestEpiForwardKernels(t *testing.T) {
	const pad = 19
	rng := rand.New(rand.NewSource(1))
	for _, k := range epiSets(t) {
		for rows := 1; rows <= 8; rows++ {
			for cols := 1; cols <= k.epiWidth; cols++ {
				for op := epiNone; op <= epiPiecewise; op++ {
					for _, withBias := range []bool{false, true} {
						for _, inPlace := range []bool{false, true} {
							if op == epiNone && inPlace {
								continue
							}
							alpha := float32(0.2)
							if rng.Intn(3) == 0 {
								alpha = 3
							}
							ldz, ldo := cols+rng.Intn(5), cols+rng.Intn(5)
							z := epiBuf(rng, rows, cols, ldz, pad)
							var bias []float32
							if withBias {
								bias = epiBuf(rng, 1, cols, cols, pad)
							}
							out := epiBuf(rng, rows, cols, ldo, pad)
							if inPlace {
								out, ldo = z, ldz
							}
							wantZ := append([]float32(nil), z...)
							wantOut := append([]float32(nil), out...)
							if inPlace {
								wantOut = wantZ
							}
							for i := 0; i < rows; i++ {
								zr := wantZ[pad+i*ldz : pad+i*ldz+cols]
								if withBias {
									addRow(zr, bias[pad:pad+cols])
								}
								if op != epiNone {
									epiActs[op].forwardRow(zr, wantOut[pad+i*ldo:pad+i*ldo+cols], alpha)
								}
							}
							var b []float32
							if withBias {
								b = bias[pad : pad+cols]
							}
							biasBefore := append([]float32(nil), bias...)
							k.epiForward(rows, cols, z[pad:], ldz, b, out[pad:], ldo, op, alpha)
							if i := sameBits(z, wantZ); i >= 0 {
								t.Fatalf("%s %s rows %d cols %d bias %v inPlace %v: z[%d] = %#08x, want %#08x",
									k.name, epiOpNames[op], rows, cols, withBias, inPlace, i-pad,
									math.Float32bits(z[i]), math.Float32bits(wantZ[i]))
							}
							if i := sameBits(out, wantOut); i >= 0 {
								t.Fatalf("%s %s rows %d cols %d bias %v inPlace %v: out[%d] = %#08x, want %#08x",
									k.name, epiOpNames[op], rows, cols, withBias, inPlace, i-pad,
									math.Float32bits(out[i]), math.Float32bits(wantOut[i]))
							}
							if withBias && sameBits(bias, biasBefore) >= 0 {
								t.Fatal("bias changed")
							}
						}
					}
				}
			}
		}
	}
}

// TestEpiBackwardKernels checks epiBackward of every asm set against
// backwardRow bit for bit (reluGradRow, leakyGradRow, piecewiseGradRow;
// none and copy leave d alone), with the sweep and guards of the forward
// test.
func TestEpiBackwardKernels(t *testing.T) {
	const pad = 17
	rng := rand.New(rand.NewSource(2))
	for _, k := range epiSets(t) {
		for rows := 1; rows <= 8; rows++ {
			for cols := 1; cols <= k.epiWidth; cols++ {
				for op := epiNone; op <= epiPiecewise; op++ {
					alpha := float32(0.2)
					if rng.Intn(3) == 0 {
						alpha = -1.5
					}
					ldz, ldd := cols+rng.Intn(5), cols+rng.Intn(5)
					z := epiBuf(rng, rows, cols, ldz, pad)
					d := epiBuf(rng, rows, cols, ldd, pad)
					wantZ := append([]float32(nil), z...)
					wantD := append([]float32(nil), d...)
					if op != epiNone {
						for i := 0; i < rows; i++ {
							zr := wantZ[pad+i*ldz : pad+i*ldz+cols]
							dr := wantD[pad+i*ldd : pad+i*ldd+cols]
							epiActs[op].backwardRow(zr, zr, dr, dr, alpha)
						}
					}
					k.epiBackward(rows, cols, z[pad:], ldz, d[pad:], ldd, op, alpha)
					if i := sameBits(z, wantZ); i >= 0 {
						t.Fatalf("%s %s rows %d cols %d: z[%d] changed", k.name, epiOpNames[op], rows, cols, i-pad)
					}
					if i := sameBits(d, wantD); i >= 0 {
						t.Fatalf("%s %s rows %d cols %d: d[%d] = %#08x, want %#08x (z %#08x)",
							k.name, epiOpNames[op], rows, cols, i-pad, math.Float32bits(d[i]),
							math.Float32bits(wantD[i]), math.Float32bits(z[pad+(i-pad)/ldd*ldz+(i-pad)%ldd]))
					}
				}
			}
		}
	}
}

// TestFinishTileAsm checks finishTile with each asm set against the Go rows
// (the generic set) on tiles at offsets inside a larger C, up to 70 columns
// wide (several kernel chunks), for every activation but Softmax (the
// others stay in Go), forward with and without bias and out, and backward.
func TestFinishTileAsm(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	acts := []Activation{Identity, ReLU, LeakyReLU, PiecewiseLinear, Sigmoid, Tanh, ELU}
	for _, k := range epiSets(t) {
		for trial := 0; trial < 400; trial++ {
			rows, cols := 1+rng.Intn(9), 1+rng.Intn(70)
			i0, j0 := rng.Intn(3), rng.Intn(5)
			m, n := i0+rows+rng.Intn(2), j0+cols+rng.Intn(3)
			ldc, ldo := n+rng.Intn(3), n+rng.Intn(3)
			act := acts[rng.Intn(len(acts))]
			grad := rng.Intn(2) == 0
			c := epiBuf(rng, m, n, ldc, 0)
			aux := epiBuf(rng, m, n, ldo, 0)
			e := epilogue{on: true, grad: grad, act: act, alpha: 0.3}
			switch {
			case grad:
				e.z, e.ldz, e.y, e.ldy = aux, ldo, aux, ldo
			default:
				if rng.Intn(3) > 0 {
					e.bias = epiBuf(rng, 1, n, n, 0)
				}
				switch rng.Intn(3) {
				case 0:
					e.out, e.ldo = aux, ldo
				case 1:
					e.out, e.ldo = c, ldc
				}
			}
			wantC, wantAux := append([]float32(nil), c...), append([]float32(nil), aux...)
			we := e
			if we.out != nil {
				if &we.out[0] == &c[0] {
					we.out = wantC
				} else {
					we.out = wantAux
				}
			}
			if grad {
				we.z, we.y = wantAux, wantAux
			}
			finishTile(&genericKernel, &we, wantC, ldc, i0, j0, rows, cols)
			finishTile(k, &e, c, ldc, i0, j0, rows, cols)
			if i := sameBits(c, wantC); i >= 0 {
				t.Fatalf("%s %v grad %v %d×%d at (%d,%d): c[%d] = %#08x, want %#08x", k.name, act, grad,
					rows, cols, i0, j0, i, math.Float32bits(c[i]), math.Float32bits(wantC[i]))
			}
			if i := sameBits(aux, wantAux); i >= 0 {
				t.Fatalf("%s %v grad %v %d×%d at (%d,%d): out/z[%d] = %#08x, want %#08x", k.name, act, grad,
					rows, cols, i0, j0, i, math.Float32bits(aux[i]), math.Float32bits(wantAux[i]))
			}
		}
	}
}
