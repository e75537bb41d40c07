// Package wsq encodes and decodes WSQ (Wavelet Scalar Quantization)
// greyscale fingerprint images, the format of the FBI "WSQ Gray-scale
// Fingerprint Image Compression Specification", IAFIS-IC-0110 version 3.1.
//
// The encoder follows the specification and the reference encoder (NIST
// NBIS cwsq) step by step: the image is shifted by its mean and scaled to
// about ±128; a 9/7 biorthogonal wavelet with symmetric extension splits it
// into 64 subbands through the standard 20-node decomposition tree; the
// subband variances (measured on the central window of each subband) give
// the quantiser bin widths for the requested bit rate, with a zero bin 1.2
// times the bin width and reconstruction point C = 0.44; the bin indices of
// subbands 0–59 are run-length and Huffman coded in three blocks (subbands
// 0–18 with table 0, 19–51 and 52–59 with table 1), each table optimised for
// its data and stored in a DHT segment. The file layout is the one NBIS
// writes:
//
//	SOI  COM(NISTCOM)  [COM(Options.Comment)]  DTT  DQT  SOF
//	DHT(0)  SOB(0) data  DHT(1)  SOB(1) data  SOB(1) data  EOI
//
// The NISTCOM comment carries NIST_COM, PIX_WIDTH, PIX_HEIGHT, PIX_DEPTH,
// PPI, LOSSY, COLORSPACE, COMPRESSION and WSQ_BITRATE, as NBIS writes them.
// An unknown resolution (Options.PPI ≤ 0) is written as "PPI -1" and
// reported as -1 by DecodeConfig.
//
// The decoder accepts any table order the specification allows (tables and
// comments between blocks, several tables per DHT segment) and reproduces
// NBIS dwsq output to within one grey level: reconstructed samples are
// scaled back, 0.5 is added and the value truncated and clamped, as NBIS
// does. On NIST's SFinGe test prints at 0.75 bpp the encoder's file sizes
// and PSNR match NBIS cwsq.
//
// Caveats:
//
//   - Only the standard 9/7 filter pair is supported; a file whose DTT
//     segment holds other filters is rejected with ErrUnsupported.
//   - Images must be at least MinDimension (17) pixels wide and high, the
//     smallest size for which every line of the decomposition keeps two
//     samples. NBIS itself reads past the edge of lines shorter than five
//     samples, which the decomposition produces for images narrower or
//     shorter than 65 pixels; such files decode correctly here but not
//     necessarily in NBIS.
//   - Width×height is limited to MaxPixels, so hostile headers cannot
//     trigger huge allocations; the decoder also sizes its buffers from
//     the data actually present before allocating the image.
//   - Only 8-bit greyscale is defined by the format; Decode returns
//     *image.Gray.
//
// The package keeps no global state. It does not register itself with the
// image package; a program that wants image.Decode to recognise WSQ can do
// so with
//
//	image.RegisterFormat("wsq", "\xff\xa0", wsq.DecodeImage, wsq.DecodeImageConfig)
package wsq
