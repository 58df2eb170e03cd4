//go:build js && wasm

package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"syscall/js"

	"github.com/annlib/ann"
)

func main() {
	// The session lives in main's frame, not in a package variable: the
	// exported functions are closures over it.
	var s *session
	guard := func(f func(args []js.Value) any) js.Func {
		return js.FuncOf(func(_ js.Value, args []js.Value) (res any) {
			// A panic would kill the Go runtime and leave a dead page;
			// reporting it keeps reset usable.
			defer func() {
				if r := recover(); r != nil {
					res = errorReply(fmt.Errorf("internal error: %v", r))
				}
			}()
			return f(args)
		})
	}
	global := js.Global()
	global.Set("annReset", guard(func(args []js.Value) any {
		if len(args) != 1 || args[0].Type() != js.TypeString {
			return errorReply(fmt.Errorf("%w: annReset wants one JSON string", ann.ErrValue))
		}
		c, err := parseConfig(args[0].String())
		if err != nil {
			return errorReply(err)
		}
		ns, err := newSession(c)
		if err != nil {
			return errorReply(err)
		}
		r, err := ns.resetReply()
		if err != nil {
			return errorReply(err)
		}
		s = ns
		return marshal(r)
	}))
	global.Set("annStep", guard(func(args []js.Value) any {
		if s == nil {
			return errorReply(errors.New("ann: annStep before annReset"))
		}
		epochs, err := intArg(args)
		if err != nil {
			return errorReply(err)
		}
		st, err := s.step(context.Background(), epochs)
		if err != nil {
			return errorReply(err)
		}
		return marshal(st)
	}))
	global.Set("annGrid", guard(func(args []js.Value) any {
		if s == nil {
			return errorReply(errors.New("ann: annGrid before annReset"))
		}
		n, err := intArg(args)
		if err != nil {
			return errorReply(err)
		}
		v, err := s.outputs(n)
		if err != nil {
			return errorReply(err)
		}
		return float32Array(v)
	}))
	global.Set("annNeurons", guard(func(args []js.Value) any {
		if s == nil {
			return errorReply(errors.New("ann: annNeurons before annReset"))
		}
		n, err := intArg(args)
		if err != nil {
			return errorReply(err)
		}
		v, err := s.neurons(n)
		if err != nil {
			return errorReply(err)
		}
		return float32Array(v)
	}))
	global.Set("annWeights", guard(func(args []js.Value) any {
		if s == nil {
			return errorReply(errors.New("ann: annWeights before annReset"))
		}
		return marshal(s.weights())
	}))
	global.Set("annSetWeight", guard(func(args []js.Value) any {
		if s == nil {
			return errorReply(errors.New("ann: annSetWeight before annReset"))
		}
		if len(args) != 4 {
			return errorReply(fmt.Errorf("%w: annSetWeight wants layer, from, to and value", ann.ErrValue))
		}
		var idx [3]int
		for i := range idx {
			v, err := intArg(args[i : i+1])
			if err != nil {
				return errorReply(err)
			}
			idx[i] = v
		}
		if args[3].Type() != js.TypeNumber {
			return errorReply(fmt.Errorf("%w: annSetWeight: the value must be a number", ann.ErrValue))
		}
		if err := s.setWeight(idx[0], idx[1], idx[2], args[3].Float()); err != nil {
			return errorReply(err)
		}
		return marshal(s.weights())
	}))
	global.Set("annThumbnail", guard(func(args []js.Value) any {
		if len(args) != 1 || args[0].Type() != js.TypeString {
			return errorReply(fmt.Errorf("%w: annThumbnail wants a data set name", ann.ErrValue))
		}
		p, err := thumbnail(args[0].String())
		if err != nil {
			return errorReply(err)
		}
		return marshal(p)
	}))
	global.Set("annModel", guard(func(args []js.Value) any {
		if s == nil {
			return errorReply(errors.New("ann: annModel before annReset"))
		}
		b, err := s.model()
		if err != nil {
			return errorReply(err)
		}
		u8 := global.Get("Uint8Array").New(len(b))
		js.CopyBytesToJS(u8, b)
		return u8
	}))
	// The functions above run on the page's calls; main must not return,
	// or they would be released.
	select {}
}

// float32Array hands v to JavaScript in one bulk copy instead of one call
// across the boundary per value.
func float32Array(v []float32) js.Value {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	u8 := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(u8, b)
	return js.Global().Get("Float32Array").New(u8.Get("buffer"))
}

// intArg reads the single integer argument of annStep and annGrid.
func intArg(args []js.Value) (int, error) {
	if len(args) != 1 || args[0].Type() != js.TypeNumber {
		return 0, fmt.Errorf("%w: want one number argument", ann.ErrValue)
	}
	f := args[0].Float()
	if f != math.Trunc(f) || math.Abs(f) > 1<<30 {
		return 0, fmt.Errorf("%w: want an integer, got %v", ann.ErrValue, f)
	}
	return int(f), nil
}
