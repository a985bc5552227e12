package codecs_test

import (
	"fmt"

	"github.com/netplay-lab/netplay/codecs"
)

// ExampleLengthField decodes the sixth worked example of Netty's
// LengthFieldBasedFrameDecoder documentation, arriving in two reads.
func ExampleLengthField() {
	spec, err := codecs.LengthField(codecs.LengthFieldOptions{
		LengthFieldOffset:   1, // HDR1 comes first
		LengthFieldLength:   2,
		LengthAdjustment:    1, // HDR2 follows the field and is not counted
		InitialBytesToStrip: 3, // drop HDR1 and the field
	})
	if err != nil {
		panic(err)
	}
	c := spec.New()
	var buf []byte
	for _, read := range []string{"\xca\x00\x0c\xfeHELLO", ", WORLD"} {
		buf = append(buf, read...)
		for {
			frame, n, err := c.Decode(buf)
			if err != nil {
				panic(err)
			}
			if frame != nil {
				fmt.Printf("%q\n", frame)
			}
			if frame == nil && n == 0 {
				break
			}
			buf = buf[n:]
		}
	}
	// Output: "\xfeHELLO, WORLD"
}

// ExampleLine shows the error a too long line gives.
func ExampleLine() {
	c := codecs.Line(codecs.LineOptions{MaxLength: 8}).New()
	frame, n, _ := c.Decode([]byte("ping\r\nthis line is too long\n"))
	fmt.Printf("%q %d\n", frame, n)
	_, _, err := c.Decode([]byte("this line is too long\n"))
	fmt.Println(err)
	// Output:
	// "ping" 6
	// too_long_frame: 21 > max_length 8
}

// ExampleAppendRESP encodes a reply and parses a command.
func ExampleAppendRESP() {
	reply := codecs.AppendRESP(nil, codecs.RESPArray(codecs.RESPBulk([]byte("a")), codecs.RESPInteger(2), codecs.RESPNull()))
	fmt.Printf("%q\n", reply)
	v, _ := codecs.ParseRESP([]byte("*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n"))
	fmt.Printf("%s %s\n", v.Array[0].Str, v.Array[1].Str)
	// Output:
	// "*3\r\n$1\r\na\r\n:2\r\n$-1\r\n"
	// ECHO hi
}
