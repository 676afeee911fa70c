//go:build !noplan

package compose

// planOff turns the plan cache off; `go build -tags noplan` does, so that
// the bench can measure what the plans are worth (see BENCHMARKS.md).
const planOff = false
