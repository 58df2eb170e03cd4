package ann

import (
	"fmt"
	"io"
)

// ExportONNX writes the quantized network as an ONNX model.
func (q *QuantizedNetwork) ExportONNX(w io.Writer) error {
	return fmt.Errorf("%w: ONNX export of quantized networks is not implemented yet", ErrConfig)
}
