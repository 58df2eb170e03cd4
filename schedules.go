package ann

import (
	"cmp"
	"fmt"
	"math"
)

// Schedule turns the optimizer's base learning rate into the rate used at
// each training step. The network asks for the rate before every update,
// passing the global step counted from 0 (the number of updates already
// made), and hands the result to the optimizer. Negative steps count as 0.
//
// Schedules are built by [ConstantRate], [StepDecay], [ExponentialDecay],
// [CosineDecay] and [ReduceOnPlateau]. All but ReduceOnPlateau are
// immutable values, safe to share. Invalid parameters are reported, wrapping
// ErrValue and naming the field, when the network validates its
// configuration.
type Schedule interface {
	// String names the schedule and its parameters, e.g.
	// "cosine_decay(total_steps=1000, min_fraction=0)".
	String() string

	// rate returns the learning rate for the update made at global step
	// step (0-based) given the base rate.
	rate(base float64, step int64) float64
	// validate reports a parameter out of range as an ErrValue.
	validate() error
}

// checkScheduleParam returns nil when ok, else an ErrValue saying that parameter
// name of schedule op must be want.
func checkScheduleParam(op, name string, ok bool, want string, got any) error {
	if ok {
		return nil
	}
	return fmt.Errorf("%w: %s: %s must be %s, got %v", ErrValue, op, name, want, got)
}

type constantRate struct{}

// ConstantRate returns the schedule that uses the base rate at every step
// (TensorFlow's and Keras's behaviour when the rate is a plain number).
func ConstantRate() Schedule { return constantRate{} }

func (constantRate) String() string                     { return "constant" }
func (constantRate) rate(base float64, _ int64) float64 { return base }
func (constantRate) validate() error                    { return nil }

type stepDecay struct {
	every  int64
	factor float64
}

// StepDecay returns the schedule base·factor^⌊step/every⌋: the rate is
// multiplied by factor after every `every` steps (PyTorch's StepLR with
// step_size every and gamma factor, stepped per update). every must be ≥ 1
// and factor in (0, 1].
func StepDecay(every int64, factor float64) Schedule {
	return stepDecay{every: every, factor: factor}
}

func (s stepDecay) String() string {
	return fmt.Sprintf("step_decay(every=%d, factor=%v)", s.every, s.factor)
}

func (s stepDecay) rate(base float64, step int64) float64 {
	return base * math.Pow(s.factor, float64(max(step, 0)/s.every))
}

func (s stepDecay) validate() error {
	return cmp.Or(
		checkScheduleParam("step_decay", "every", s.every >= 1, "≥ 1", s.every),
		checkScheduleParam("step_decay", "factor", s.factor > 0 && s.factor <= 1, "in (0, 1]", s.factor))
}

type exponentialDecay struct {
	decaySteps int64
	decayRate  float64
	staircase  bool
}

// ExponentialDecay returns TensorFlow's exponential_decay schedule,
// base·decayRate^(step/decaySteps), where with staircase the exponent is
// rounded down to an integer so that the rate changes in steps every
// decaySteps updates. decaySteps must be ≥ 1 and decayRate in (0, 1].
func ExponentialDecay(decaySteps int64, decayRate float64, staircase bool) Schedule {
	return exponentialDecay{decaySteps: decaySteps, decayRate: decayRate, staircase: staircase}
}

func (s exponentialDecay) String() string {
	return fmt.Sprintf("exponential_decay(decay_steps=%d, decay_rate=%v, staircase=%v)", s.decaySteps, s.decayRate, s.staircase)
}

func (s exponentialDecay) rate(base float64, step int64) float64 {
	p := float64(max(step, 0)) / float64(s.decaySteps)
	if s.staircase {
		p = math.Floor(p)
	}
	return base * math.Pow(s.decayRate, p)
}

func (s exponentialDecay) validate() error {
	return cmp.Or(
		checkScheduleParam("exponential_decay", "decay_steps", s.decaySteps >= 1, "≥ 1", s.decaySteps),
		checkScheduleParam("exponential_decay", "decay_rate", s.decayRate > 0 && s.decayRate <= 1, "in (0, 1]", s.decayRate))
}

type cosineDecay struct {
	totalSteps  int64
	minFraction float64
}

// CosineDecay returns TensorFlow's cosine_decay schedule (Loshchilov &
// Hutter's SGDR without restarts): with s = min(step, totalSteps),
//
//	rate = base·(minFraction + (1 − minFraction)·½(1 + cos(π·s/totalSteps)))
//
// so the rate falls from base at step 0 to minFraction·base at totalSteps
// and stays there. TensorFlow calls minFraction alpha. totalSteps must be
// ≥ 1 and minFraction in [0, 1]. A final rate of 0 is fine for every
// optimizer except FTRL, which skips steps at rate 0.
func CosineDecay(totalSteps int64, minFraction float64) Schedule {
	return cosineDecay{totalSteps: totalSteps, minFraction: minFraction}
}

func (s cosineDecay) String() string {
	return fmt.Sprintf("cosine_decay(total_steps=%d, min_fraction=%v)", s.totalSteps, s.minFraction)
}

func (s cosineDecay) rate(base float64, step int64) float64 {
	x := float64(min(max(step, 0), s.totalSteps)) / float64(s.totalSteps)
	return base * (s.minFraction + (1-s.minFraction)*0.5*(1+math.Cos(math.Pi*x)))
}

func (s cosineDecay) validate() error {
	return cmp.Or(
		checkScheduleParam("cosine_decay", "total_steps", s.totalSteps >= 1, "≥ 1", s.totalSteps),
		checkScheduleParam("cosine_decay", "min_fraction", s.minFraction >= 0 && s.minFraction <= 1, "in [0, 1]", s.minFraction))
}

// PlateauSchedule lowers the learning rate when a monitored loss stops
// improving; see [ReduceOnPlateau]. It is stateful: use one per training
// run, and do not share it between networks or goroutines.
type PlateauSchedule struct {
	patience        int
	factor, minRate float64

	best       float64 // lowest metric seen; valid when seen
	seen       bool
	wait       int // epochs since the last improvement or reduction
	reductions int // the rate is base·factor^reductions, floored
}

// ReduceOnPlateau returns a schedule that starts at the base rate and
// multiplies it by factor whenever `patience` epochs in a row have not
// improved the monitored loss, never going below minRate (a base rate
// already below minRate is kept). The network calls its observe method
// once per epoch with the validation loss, or the training loss without a
// validation set. An epoch improves when its loss is strictly below the
// best so far; a NaN loss never improves. After a reduction the count of
// epochs starts again from 0.
//
// This is Keras's ReduceLROnPlateau in "min" mode with min_delta 0 and
// cooldown 0 (Keras defaults to min_delta 1e-4). patience must be ≥ 1,
// factor in (0, 1) and minRate finite and ≥ 0.
func ReduceOnPlateau(patience int, factor, minRate float64) *PlateauSchedule {
	return &PlateauSchedule{patience: patience, factor: factor, minRate: minRate}
}

// String returns "reduce_on_plateau(patience=…, factor=…, min_rate=…)".
func (p *PlateauSchedule) String() string {
	return fmt.Sprintf("reduce_on_plateau(patience=%d, factor=%v, min_rate=%v)", p.patience, p.factor, p.minRate)
}

func (p *PlateauSchedule) rate(base float64, _ int64) float64 {
	return max(base*math.Pow(p.factor, float64(p.reductions)), min(p.minRate, base))
}

func (p *PlateauSchedule) validate() error {
	return cmp.Or(
		checkScheduleParam("reduce_on_plateau", "patience", p.patience >= 1, "≥ 1", p.patience),
		checkScheduleParam("reduce_on_plateau", "factor", p.factor > 0 && p.factor < 1, "in (0, 1)", p.factor),
		checkScheduleParam("reduce_on_plateau", "min_rate", p.minRate >= 0 && !math.IsInf(p.minRate, 1), "finite and ≥ 0", p.minRate))
}

// observe records one epoch's monitored loss.
func (p *PlateauSchedule) observe(metric float64) {
	if !p.seen || metric < p.best {
		if !math.IsNaN(metric) {
			p.best, p.seen, p.wait = metric, true, 0
			return
		}
	}
	p.wait++
	if p.wait >= p.patience {
		p.reductions++
		p.wait = 0
	}
}

// clipByGlobalNorm rescales all gradients in place by maxNorm/‖g‖ when their
// global L2 norm ‖g‖ = √(Σ over all tensors of Σg²) exceeds maxNorm, as
// TensorFlow's clip_by_global_norm does, and returns ‖g‖ before clipping.
// The sum of squares is accumulated in float64; the scale is rounded once
// to float32. A zero norm, or one that is at most maxNorm, leaves the
// gradients untouched; so does a NaN or infinite norm (TensorFlow would
// turn every gradient into NaN), which the caller should treat as a
// diverged step. maxNorm must be > 0 (callers validate it). It does not
// allocate.
func clipByGlobalNorm(grads [][]float32, maxNorm float32) float64 {
	var ss float64
	for _, g := range grads {
		for _, x := range g {
			ss += float64(x) * float64(x)
		}
	}
	norm := math.Sqrt(ss)
	if !(norm > float64(maxNorm)) || math.IsInf(norm, 1) {
		return norm
	}
	scale := float32(float64(maxNorm) / norm)
	for _, g := range grads {
		for i := range g {
			g[i] *= scale
		}
	}
	return norm
}
