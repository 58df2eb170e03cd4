package ann

import "math"

// The quantized network's softmax output in float32. At batch 1000 the
// float network's softmax (float64 exp per element, activations.go) took
// a tenth of the int8 network's time; this one has a vector kernel
// (softmaxRowAVX512, _gen/quant.go) that gives the same bits as the Go
// function below, which defines it and runs wherever the kernel does not.
// The two softmaxes differ by a few float32 ulps, far below the
// quantization error.

// The constants of exp32 (Cephes's expf): ln 2 split in a part with few
// significant bits (n·exp32C1 is exact for |n| ≤ 2⁸) and the rest, and the
// minimax polynomial of eʳ on |r| ≤ ln2/2.
const (
	exp32Log2e = 1.44269504088896341
	exp32C1    = 0.693359375
	exp32C2    = -2.12194440e-4
	exp32Min   = -87.33654 // e^x < 2⁻¹²⁶ below: exp32 returns 0
	exp32P0    = 1.9875691500e-4
	exp32P1    = 1.3981999507e-3
	exp32P2    = 8.3334519073e-3
	exp32P3    = 4.1665795894e-2
	exp32P4    = 1.6666665459e-1
	exp32P5    = 5.0000001201e-1
)

// exp32 returns eˣ for x ≤ 0 within 2 ulps, 0 for x < exp32Min and NaN,
// every step a float32 operation rounded on its own (no FMA), in the
// order softmaxRowAVX512 computes it.
func exp32(x float32) float32 {
	if !(x >= exp32Min) {
		return 0
	}
	const magic = 0x1.8p23
	n := (float32(x*exp32Log2e) + magic) - magic // round to even
	r := x - float32(n*exp32C1)
	r -= float32(n * exp32C2)
	p := float32(exp32P0*r) + exp32P1
	p = float32(p*r) + exp32P2
	p = float32(p*r) + exp32P3
	p = float32(p*r) + exp32P4
	p = float32(p*r) + exp32P5
	p = float32(p*float32(r*r)) + r
	p++
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// softmaxLanes is the number of partial sums softmaxRow32 keeps: the
// AVX-512 kernel's lanes, so both add the same numbers in the same order.
const softmaxLanes = 16

// softmaxRow32 sets y = softmax(x) for a finite row: m = max x, e_j =
// exp32(x_j − m), the sum of the e_j in softmaxLanes partial sums (e_j into
// sum j mod 16, in order) folded in halves (8, 4, 2, 1), and y_j = e_j/sum.
func softmaxRow32(x, y []float32) {
	if len(x) == 0 {
		return
	}
	y = y[:len(x)]
	m := rowMax(x)
	var acc [softmaxLanes]float32
	for j, v := range x {
		e := exp32(v - m)
		y[j] = e
		acc[j%softmaxLanes] += e
	}
	for w := softmaxLanes / 2; w >= 1; w /= 2 {
		for i := 0; i < w; i++ {
			acc[i] += acc[i+w]
		}
	}
	s := acc[0]
	for j := range y {
		y[j] /= s
	}
}
