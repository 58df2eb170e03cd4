package ann

import "errors"

// Sentinel errors. Every error ann returns wraps one of these with %w, so
// callers test for the kind with errors.Is and read the detail from Error();
// an underlying error (the operating system's, a reader's, the network's)
// is wrapped too, so errors.Is(err, fs.ErrNotExist) still answers. The
// exceptions are an error returned by a caller's own callback and a
// cancelled or expired context, which are returned wrapped as they are
// (errors.Is(err, context.Canceled)).
var (
	// ErrShape is returned when matrix or slice dimensions do not fit
	// together: a layer fed the wrong input width, targets with the wrong
	// number of columns, a view outside its parent.
	ErrShape = errors.New("ann: shape mismatch")

	// ErrValue is returned for a value that is not usable: NaN or ±Inf in
	// data, a negative learning rate, a dropout rate outside [0, 1).
	ErrValue = errors.New("ann: invalid value")

	// ErrConfig is returned when a network, estimator or option is
	// configured inconsistently, for example a loss that does not fit the
	// output layer, or a builder with no layers; and when a destination it
	// was given (a model directory, a file to save to, a training log)
	// cannot be written, or a source (a file, a reader, a download mirror)
	// cannot be read or reached, wrapping the underlying error too.
	ErrConfig = errors.New("ann: invalid configuration")

	// ErrFormat is returned by readers and loaders for input that is not in
	// the expected format: wrong magic bytes, a truncated file, a bad
	// checksum, a header whose sizes cannot be true.
	ErrFormat = errors.New("ann: invalid format")
)
