//go:build noplan

package compose

// planOff turns the plan cache off: built with -tags noplan, every mail
// is rendered in full, for the bench's before/after.
const planOff = true
