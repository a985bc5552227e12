package codecs

// Raw returns the raw codec: each Decode returns everything buffered as one
// frame (every chunk as read), and Encode appends msg unchanged.
func Raw() Spec { return rawSpec{} }

type rawSpec struct{}

func (rawSpec) Name() string { return "raw" }
func (rawSpec) New() Codec   { return rawCodec{} }

type rawCodec struct{}

// Decode returns all of in as one frame, or needs more if in is empty.
func (rawCodec) Decode(in []byte) ([]byte, int, error) {
	if len(in) == 0 {
		return nil, 0, nil
	}
	return in, len(in), nil
}

// Encode appends msg unchanged.
func (rawCodec) Encode(dst, msg []byte) ([]byte, error) { return append(dst, msg...), nil }
