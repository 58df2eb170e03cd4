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
		// One bulk copy instead of n² calls across the JS boundary.
		b := make([]byte, 4*len(v))
		for i, f := range v {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
		}
		u8 := global.Get("Uint8Array").New(len(b))
		js.CopyBytesToJS(u8, b)
		return global.Get("Float32Array").New(u8.Get("buffer"))
	}))
	// The functions above run on the page's calls; main must not return,
	// or they would be released.
	select {}
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
