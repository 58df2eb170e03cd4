package ann

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// What a model file keeps, beyond weights and optimizer slots, so that
// training resumes exactly: the learning-rate schedule (parsed back from
// its String form) and a ReduceOnPlateau schedule's progress.

// plateauState is a PlateauSchedule's progress in the model header.
type plateauState struct {
	Best       string `json:"best"` // strconv 'g' form: may be ±Inf
	Seen       bool   `json:"seen,omitempty"`
	Wait       int    `json:"wait,omitempty"`
	Reductions int    `json:"reductions,omitempty"`
}

func (p *PlateauSchedule) state() *plateauState {
	return &plateauState{Best: strconv.FormatFloat(p.best, 'g', -1, 64), Seen: p.seen, Wait: p.wait, Reductions: p.reductions}
}

func (p *PlateauSchedule) setState(s *plateauState) error {
	best, err := strconv.ParseFloat(s.Best, 64)
	if err != nil || math.IsNaN(best) || s.Wait < 0 || s.Reductions < 0 {
		return fmt.Errorf("%w: bad reduce_on_plateau state %+v", ErrFormat, *s)
	}
	p.best, p.seen, p.wait, p.reductions = best, s.Seen, s.Wait, s.Reductions
	return nil
}

// parseSchedule reads a schedule back from its String form, as the model
// header stores it; "" is the constant rate.
func parseSchedule(s string) (Schedule, error) {
	if s == "" || s == "constant" {
		return ConstantRate(), nil
	}
	name, args, ok := strings.Cut(s, "(")
	args, closed := strings.CutSuffix(args, ")")
	if !ok || !closed {
		return nil, fmt.Errorf("%w: schedule %q", ErrFormat, s)
	}
	kv := map[string]string{}
	for item := range strings.SplitSeq(args, ",") {
		k, v, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("%w: schedule %q", ErrFormat, s)
		}
		kv[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	var bad error
	i64 := func(k string) int64 {
		v, err := strconv.ParseInt(kv[k], 10, 64)
		if err != nil && bad == nil {
			bad = err
		}
		delete(kv, k)
		return v
	}
	f64 := func(k string) float64 {
		v, err := strconv.ParseFloat(kv[k], 64)
		if err != nil && bad == nil {
			bad = err
		}
		delete(kv, k)
		return v
	}
	var sched Schedule
	switch name {
	case "step_decay":
		sched = StepDecay(i64("every"), f64("factor"))
	case "exponential_decay":
		staircase, err := strconv.ParseBool(kv["staircase"])
		if err != nil {
			bad = err
		}
		delete(kv, "staircase")
		sched = ExponentialDecay(i64("decay_steps"), f64("decay_rate"), staircase)
	case "cosine_decay":
		sched = CosineDecay(i64("total_steps"), f64("min_fraction"))
	case "reduce_on_plateau":
		sched = ReduceOnPlateau(int(i64("patience")), f64("factor"), f64("min_rate"))
	default:
		return nil, fmt.Errorf("%w: unknown schedule %q", ErrFormat, s)
	}
	if bad != nil || len(kv) > 0 {
		return nil, fmt.Errorf("%w: schedule %q", ErrFormat, s)
	}
	if err := sched.validate(); err != nil {
		return nil, fmt.Errorf("%w: schedule %q: %w", ErrFormat, s, err)
	}
	return sched, nil
}
