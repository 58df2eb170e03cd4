module github.com/annlib/ann

go 1.25.0

require (
	github.com/klauspost/cpuid/v2 v2.4.2
	golang.org/x/image v0.44.0
)

require (
	golang.org/x/sys v0.41.0 // indirect
	golang.org/x/text v0.40.0 // indirect
)
