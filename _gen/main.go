// Command _gen writes ann's amd64 assembly kernels and their Go stubs with
// avo (github.com/mmcloughlin/avo). One run writes one file pair:
//
//	go run . -kernels gemm -out ../gemm_amd64.s -stubs ../gemm_stubs_amd64.go -pkg ann
//	go run . -kernels vecops -out ../vecops_amd64.s -stubs ../vecops_stubs_amd64.go -pkg ann
//	go run . -kernels int8 -out ../int8_amd64.s -stubs ../int8_stubs_amd64.go -pkg ann
//
// The go:generate lines in gemm_amd64.go, vecops_amd64.go and int8_amd64.go run exactly
// these commands, and .ci/run checks that the committed files are what they
// produce. The kernels use physical registers throughout: they are
// hand-scheduled micro-kernels whose register plan is part of their design,
// and each function's body opens with a comment giving that plan.
package main

import (
	"flag"
	"fmt"
	"os"

	. "github.com/mmcloughlin/avo/build"
)

var kernels = flag.String("kernels", "", "kernel family to generate: gemm, vecops or int8")

// constraint is the build constraint of every generated file (avo's +build
// syntax, written out as //go:build gc && !purego && !noasm); the
// hand-written Go files beside them carry the same one.
const constraint = "gc,!purego,!noasm"

func main() {
	flag.Parse()
	ConstraintExpr(constraint)
	switch *kernels {
	case "gemm":
		genGemm()
		genPack()
		genNarrowAll()
	case "vecops":
		genVecops()
	case "int8":
		genInt8()
	default:
		fmt.Fprintf(os.Stderr, "_gen: -kernels must be gemm, vecops or int8, not %q\n", *kernels)
		os.Exit(2)
	}
	Generate()
}
