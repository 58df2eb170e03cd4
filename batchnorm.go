package ann

import "math"

// Batch normalization (Ioffe & Szegedy 2015) as TensorFlow's
// tf.layers.batch_normalization computes it: in training, each unit is
// normalised with the batch mean μ and the biased batch variance σ²,
// y = γ·(x − μ)/√(σ² + ε) + β, and the moving averages follow
// m ← momentum·m + (1 − momentum)·μ (likewise the variance, TensorFlow
// uses the unbiased batch variance there... see below). In inference the
// moving averages replace the batch statistics. TensorFlow's canned
// estimators use momentum 0.999 and ε 0.001; these are the defaults here.
//
// The moving variance is updated with the batch's biased variance, as
// Keras's BatchNormalization does.

func (l *layer) batchNormForward(x, y Matrix, ws *layerSpace, training bool) {
	n := l.out
	if !training {
		for j := 0; j < n; j++ {
			inv := float32(1 / math.Sqrt(float64(l.movingVar[j]+l.eps)))
			ws.scale[j] = l.gamma[j] * inv
			ws.shift[j] = l.beta[j] - l.movingMean[j]*l.gamma[j]*inv
		}
		for i := 0; i < x.Rows; i++ {
			xr := x.Data[i*x.Stride : i*x.Stride+n]
			yr := y.Data[i*y.Stride : i*y.Stride+n]
			for j, v := range xr {
				yr[j] = v*ws.scale[j] + ws.shift[j]
			}
		}
		return
	}
	rows := float64(x.Rows)
	mean, invStd := ws.mean[:n], ws.invStd[:n]
	sum := ws.acc[:n]
	clear(sum)
	for i := 0; i < x.Rows; i++ {
		for j, v := range x.Data[i*x.Stride : i*x.Stride+n] {
			sum[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] = float32(sum[j] / rows)
	}
	clear(sum)
	for i := 0; i < x.Rows; i++ {
		for j, v := range x.Data[i*x.Stride : i*x.Stride+n] {
			d := float64(v - mean[j])
			sum[j] += d * d
		}
	}
	m := l.momentum
	for j := range invStd {
		variance := float32(sum[j] / rows)
		invStd[j] = float32(1 / math.Sqrt(float64(variance+l.eps)))
		l.movingMean[j] = m*l.movingMean[j] + (1-m)*mean[j]
		l.movingVar[j] = m*l.movingVar[j] + (1-m)*variance
	}
	xhat := ws.xhat
	for i := 0; i < x.Rows; i++ {
		xr := x.Data[i*x.Stride : i*x.Stride+n]
		hr := xhat[i*n : (i+1)*n]
		yr := y.Data[i*y.Stride : i*y.Stride+n]
		for j, v := range xr {
			h := (v - mean[j]) * invStd[j]
			hr[j] = h
			yr[j] = l.gamma[j]*h + l.beta[j]
		}
	}
}

// batchNormBackward accumulates dγ, dβ and, when dx.Rows > 0, writes
//
//	dx = γ/(N·σ)·(N·dy − Σdy − x̂·Σ(dy·x̂))
//
// the standard closed form of the gradient through the batch statistics.
func (l *layer) batchNormBackward(dy, dx Matrix, ws *layerSpace) {
	n, rows := l.out, dy.Rows
	sumDy, sumDyH := ws.acc[:n], ws.acc[n:2*n]
	clear(sumDy)
	clear(sumDyH)
	for i := 0; i < rows; i++ {
		dr := dy.Data[i*dy.Stride : i*dy.Stride+n]
		hr := ws.xhat[i*n : (i+1)*n]
		for j, v := range dr {
			sumDy[j] += float64(v)
			sumDyH[j] += float64(v * hr[j])
		}
	}
	for j := 0; j < n; j++ {
		l.dbeta[j] = float32(sumDy[j])
		l.dgamma[j] = float32(sumDyH[j])
	}
	if dx.Rows == 0 {
		return
	}
	inv := float32(1 / float64(rows))
	for i := 0; i < rows; i++ {
		dr := dy.Data[i*dy.Stride : i*dy.Stride+n]
		hr := ws.xhat[i*n : (i+1)*n]
		xr := dx.Data[i*dx.Stride : i*dx.Stride+n]
		for j, v := range dr {
			xr[j] = l.gamma[j] * ws.invStd[j] * (v - inv*(float32(sumDy[j])+hr[j]*float32(sumDyH[j])))
		}
	}
}
