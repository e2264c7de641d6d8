/* SPDX-License-Identifier: MIT */
/* SLIP encoder and push decoder (esp_slip.h) against the framing rules of
 * esp-serial-protocol.md §2: C0 delimits, C0 -> DB DC, DB -> DB DD, bytes
 * between frames are noise, empty frames are not frames, bad escapes and
 * overlong frames are dropped and the decoder finds the next frame. */
#include <stdint.h>
#include <string.h>

#include "esp_proto.h"
#include "esp_slip.h"
#include "test.h"

#define MAXF 16
#define MAXLEN 600

/* What a decoder made of a byte stream. */
struct decoded {
	size_t nframes;
	size_t len[MAXF];
	uint8_t frame[MAXF][MAXLEN];
	int errors;
	int bad_result;    /* a push returned something outside the enum */
	size_t skipped;
	size_t results_more; /* pushes that returned ESP_SLIP_MORE */
};

static void decode_stream(const uint8_t *in, size_t n, size_t cap, struct decoded *out)
{
	static uint8_t buf[4096];
	struct esp_slip_dec d;

	memset(out, 0, sizeof(*out));
	T_REQUIRE(cap <= sizeof(buf));
	esp_slip_dec_init(&d, buf, cap);
	for (size_t i = 0; i < n; i++) {
		enum esp_slip_result r = esp_slip_dec_push(&d, in[i]);

		if (r == ESP_SLIP_FRAME) {
			T_CHECK(d.len <= cap);
			T_CHECK(d.len > 0); /* empty frames are never reported */
			if (out->nframes < MAXF && d.len <= MAXLEN) {
				memcpy(out->frame[out->nframes], d.buf, d.len);
				out->len[out->nframes] = d.len;
			}
			out->nframes++;
		} else if (r == ESP_SLIP_ERROR) {
			out->errors++;
		} else if (r == ESP_SLIP_MORE) {
			out->results_more++;
		} else {
			out->bad_result++;
		}
	}
	out->skipped = d.skipped;
}

/* ---- encoder ---------------------------------------------------------- */

struct enc_case {
	const char *name;
	size_t n;
	uint8_t in[8];
	size_t nout;
	uint8_t out[20];
};

static const struct enc_case enc_cases[] = {
	{ "empty", 0, { 0 }, 2, { 0xC0, 0xC0 } },
	{ "plain", 3, { 0x01, 0x02, 0x03 }, 5, { 0xC0, 0x01, 0x02, 0x03, 0xC0 } },
	{ "C0 escaped", 1, { 0xC0 }, 4, { 0xC0, 0xDB, 0xDC, 0xC0 } },
	{ "DB escaped", 1, { 0xDB }, 4, { 0xC0, 0xDB, 0xDD, 0xC0 } },
	{ "DC and DD alone are literal", 2, { 0xDC, 0xDD }, 4, { 0xC0, 0xDC, 0xDD, 0xC0 } },
	/* escape order: a literal DB DC must not turn into an escaped C0 */
	{ "DB then DC", 2, { 0xDB, 0xDC }, 5, { 0xC0, 0xDB, 0xDD, 0xDC, 0xC0 } },
	{ "C0 then DB", 2, { 0xC0, 0xDB }, 6, { 0xC0, 0xDB, 0xDC, 0xDB, 0xDD, 0xC0 } },
	{ "DB then C0", 2, { 0xDB, 0xC0 }, 6, { 0xC0, 0xDB, 0xDD, 0xDB, 0xDC, 0xC0 } },
	{ "two C0", 2, { 0xC0, 0xC0 }, 6, { 0xC0, 0xDB, 0xDC, 0xDB, 0xDC, 0xC0 } },
	{ "mixed", 5, { 0x00, 0xC0, 0x7F, 0xDB, 0xFF }, 9,
	  { 0xC0, 0x00, 0xDB, 0xDC, 0x7F, 0xDB, 0xDD, 0xFF, 0xC0 } },
};

static void test_encode(void)
{
	for (size_t i = 0; i < sizeof(enc_cases) / sizeof(enc_cases[0]); i++) {
		const struct enc_case *c = &enc_cases[i];
		uint8_t dst[64];
		size_t n;

		t_set_case("encode %s", c->name);
		memset(dst, 0xA5, sizeof(dst));
		n = esp_slip_encode(c->in, c->n, dst);
		T_EQ_MEM(dst, n, c->out, c->nout);
		/* nothing written past the documented worst case */
		for (size_t k = esp_slip_encoded_max(c->n); k < sizeof(dst); k++)
			T_EQ_HEX(dst[k], 0xA5);
	}

	/* the worst case is reached by a payload of only delimiters and escapes */
	{
		uint8_t src[10], dst[64];

		t_set_case("encode worst case");
		memset(src, 0xC0, sizeof(src));
		T_EQ_INT(esp_slip_encode(src, sizeof(src), dst), esp_slip_encoded_max(sizeof(src)));
		memset(src, 0xDB, sizeof(src));
		T_EQ_INT(esp_slip_encode(src, sizeof(src), dst), esp_slip_encoded_max(sizeof(src)));
	}
	t_set_case("%s", "");
}

/* ---- decoder tables ---------------------------------------------------- */

struct dec_case {
	const char *name;
	size_t cap;
	size_t n;
	uint8_t in[64];
	size_t nframes;
	struct {
		size_t len;
		uint8_t b[16];
	} f[4];
	int errors;
	long skipped; /* -1: do not check */
};

static const struct dec_case dec_cases[] = {
	{ "plain frame", 64, 5, { 0xC0, 0x01, 0x02, 0x03, 0xC0 }, 1, { { 3, { 1, 2, 3 } } }, 0, 0 },
	{ "escapes", 64, 6, { 0xC0, 0xDB, 0xDC, 0xDB, 0xDD, 0xC0 }, 1,
	  { { 2, { 0xC0, 0xDB } } }, 0, 0 },
	{ "escaped bytes next to literal DC DD", 64, 7, { 0xC0, 0xDC, 0xDB, 0xDD, 0xDD, 0xDC, 0xC0 }, 1,
	  { { 4, { 0xDC, 0xDB, 0xDD, 0xDC } } }, 0, 0 },
	{ "back-to-back frames", 64, 8, { 0xC0, 0x01, 0x02, 0xC0, 0xC0, 0x03, 0x04, 0xC0 }, 2,
	  { { 2, { 1, 2 } }, { 2, { 3, 4 } } }, 0, 0 },
	{ "three back-to-back frames", 64, 9, { 0xC0, 0x01, 0xC0, 0xC0, 0x02, 0xC0, 0xC0, 0x03, 0xC0 }, 3,
	  { { 1, { 1 } }, { 1, { 2 } }, { 1, { 3 } } }, 0, 0 },
	{ "garbage before a frame", 64, 8, { 'a', 'b', 'c', 0x0D, 0xC0, 0x05, 0x06, 0xC0 }, 1,
	  { { 2, { 5, 6 } } }, 0, 4 },
	{ "escape bytes outside a frame are noise", 64, 6, { 0xDB, 0xDC, 0xDB, 0xC0, 0x07, 0xC0 }, 1,
	  { { 1, { 7 } } }, 0, 3 },
	{ "garbage between frames", 64, 8, { 0xC0, 0x01, 0xC0, 'x', 'y', 0xC0, 0x02, 0xC0 }, 2,
	  { { 1, { 1 } }, { 1, { 2 } } }, 0, 2 },
	{ "empty frame only", 64, 2, { 0xC0, 0xC0 }, 0, { { 0, { 0 } } }, 0, 0 },
	{ "runs of delimiters", 64, 7, { 0xC0, 0xC0, 0xC0, 0xC0, 0x09, 0xC0, 0xC0 }, 1,
	  { { 1, { 9 } } }, 0, 0 },
	/* a decoder that starts listening in the middle of a frame (or hits a
	 * stray C0 in boot noise) must not stay out of phase: the C0 that ends
	 * an empty frame is the start of the next one, as esp-serial-flasher
	 * skips a run of C0 before a frame (§2) */
	{ "joined mid-frame, back-to-back frames follow", 64, 10,
	  { 0x05, 0x06, 0xC0, 0xC0, 0x01, 0x02, 0xC0, 0xC0, 0x03, 0xC0 }, 2,
	  { { 2, { 1, 2 } }, { 1, { 3 } } }, 0, 2 },
	{ "stray C0 in boot noise", 64, 11,
	  { 'a', 0xC0, 'b', 'c', 0xC0, 0x01, 0x02, 0xC0, 0xC0, 0x03, 0xC0 }, 2,
	  { { 2, { 'b', 'c' } }, { 1, { 3 } } }, 0, -1 },
	{ "bad escape, next frame adjacent", 64, 8, { 0xC0, 0x01, 0xDB, 0x02, 0xC0, 0xC0, 0x03, 0xC0 }, 1,
	  { { 1, { 3 } } }, 1, -1 },
	{ "bad escape, garbage, next frame", 64, 10,
	  { 0xC0, 0x01, 0xDB, 0x02, 0x04, 0xC0, 'g', 0xC0, 0x03, 0xC0 }, 1,
	  { { 1, { 3 } } }, 1, -1 },
	{ "escape then delimiter", 64, 7, { 0xC0, 0x01, 0xDB, 0xC0, 0xC0, 0x03, 0xC0 }, 1,
	  { { 1, { 3 } } }, 1, -1 },
	{ "bad escape as the first byte", 64, 7, { 0xC0, 0xDB, 0x41, 0xC0, 0xC0, 0x42, 0xC0 }, 1,
	  { { 1, { 0x42 } } }, 1, -1 },
	{ "frame of exactly cap bytes", 4, 6, { 0xC0, 1, 2, 3, 4, 0xC0 }, 1,
	  { { 4, { 1, 2, 3, 4 } } }, 0, 0 },
	{ "cap counts decoded bytes", 2, 6, { 0xC0, 0xDB, 0xDC, 0xDB, 0xDD, 0xC0 }, 1,
	  { { 2, { 0xC0, 0xDB } } }, 0, 0 },
	{ "overlong frame, next frame adjacent", 4, 10, { 0xC0, 1, 2, 3, 4, 5, 0xC0, 0xC0, 6, 0xC0 }, 1,
	  { { 1, { 6 } } }, 1, -1 },
	{ "much too long frame, garbage, next frame", 4, 17,
	  { 0xC0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0xC0, 'z', 0xC0, 6, 7, 0xC0 }, 1,
	  { { 2, { 6, 7 } } }, 1, -1 },
	{ "overlong by an escaped byte", 2, 7, { 0xC0, 1, 2, 0xDB, 0xDC, 0xC0, 0xC0 }, 0,
	  { { 0, { 0 } } }, 1, -1 },
	{ "ROM SYNC reply", 64, 12, { 0xC0, 0x01, 0x08, 0x02, 0x00, 0x07, 0x07, 0x12, 0x20, 0x00, 0x00, 0xC0 }, 1,
	  { { 10, { 0x01, 0x08, 0x02, 0x00, 0x07, 0x07, 0x12, 0x20, 0x00, 0x00 } } }, 0, 0 },
	{ "OHAI", 64, 6, { 0xC0, 'O', 'H', 'A', 'I', 0xC0 }, 1, { { 4, { 'O', 'H', 'A', 'I' } } }, 0, 0 },
};

static void test_decode_table(void)
{
	for (size_t i = 0; i < sizeof(dec_cases) / sizeof(dec_cases[0]); i++) {
		const struct dec_case *c = &dec_cases[i];
		static struct decoded d;

		t_set_case("decode %s", c->name);
		decode_stream(c->in, c->n, c->cap, &d);
		T_EQ_INT(d.bad_result, 0);
		T_EQ_INT(d.nframes, c->nframes);
		T_EQ_INT(d.errors, c->errors);
		for (size_t k = 0; k < c->nframes && k < d.nframes; k++)
			T_EQ_MEM(d.frame[k], d.len[k], c->f[k].b, c->f[k].len);
		if (c->skipped >= 0)
			T_EQ_INT(d.skipped, c->skipped);
	}
	t_set_case("%s", "");
}

/* ---- results byte by byte, state and buffer contract ------------------ */

static void test_push_results(void)
{
	static const uint8_t in[] = { 0xC0, 0x10, 0xDB, 0xDC, 0x20, 0xC0 };
	uint8_t buf[16];
	struct esp_slip_dec d;

	t_set_case("push results");
	memset(&d, 0x5A, sizeof(d));
	esp_slip_dec_init(&d, buf, sizeof(buf));
	T_CHECK(d.buf == buf);
	T_EQ_INT(d.cap, sizeof(buf));
	T_EQ_INT(d.len, 0);
	T_EQ_INT(d.in_frame, 0);
	T_EQ_INT(d.escaped, 0);
	T_EQ_INT(d.overflow, 0);
	T_EQ_INT(d.skipped, 0);

	/* a frame split at every byte boundary: MORE until the closing C0 */
	for (size_t i = 0; i + 1 < sizeof(in); i++)
		T_EQ_INT(esp_slip_dec_push(&d, in[i]), ESP_SLIP_MORE);
	T_EQ_INT(esp_slip_dec_push(&d, in[sizeof(in) - 1]), ESP_SLIP_FRAME);
	/* the frame stays in buf (caller-owned) until the next call */
	T_EQ_INT(d.len, 3);
	T_EQ_MEM(d.buf, d.len, ((const uint8_t[]){ 0x10, 0xC0, 0x20 }), 3);
	T_EQ_MEM(buf, 3, ((const uint8_t[]){ 0x10, 0xC0, 0x20 }), 3);

	/* next frame, pushed in two halves with noise in between */
	T_EQ_INT(esp_slip_dec_push(&d, 'n'), ESP_SLIP_MORE);
	T_EQ_INT(esp_slip_dec_push(&d, 0xC0), ESP_SLIP_MORE);
	T_EQ_INT(esp_slip_dec_push(&d, 0x31), ESP_SLIP_MORE);
	T_EQ_INT(esp_slip_dec_push(&d, 0xDB), ESP_SLIP_MORE);
	T_EQ_INT(esp_slip_dec_push(&d, 0xDD), ESP_SLIP_MORE);
	T_EQ_INT(esp_slip_dec_push(&d, 0xC0), ESP_SLIP_FRAME);
	T_EQ_MEM(d.buf, d.len, ((const uint8_t[]){ 0x31, 0xDB }), 2);
	T_EQ_INT(d.skipped, 1);

	/* an empty frame returns MORE, not FRAME */
	T_EQ_INT(esp_slip_dec_push(&d, 0xC0), ESP_SLIP_MORE);
	T_EQ_INT(esp_slip_dec_push(&d, 0xC0), ESP_SLIP_MORE);

	/* a spoilt frame is reported once, at its closing delimiter (esp_slip.h) */
	{
		static const uint8_t bad_esc[] = { 0xC0, 0x01, 0xDB, 0x02, 0x03, 0xC0 };
		static const uint8_t too_long[] = { 0xC0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
						    13, 14, 15, 16, 17, 18, 19, 0xC0 };
		uint8_t small[16];

		t_set_case("bad escape reported at the delimiter");
		esp_slip_dec_init(&d, buf, sizeof(buf));
		for (size_t i = 0; i + 1 < sizeof(bad_esc); i++)
			T_EQ_INT(esp_slip_dec_push(&d, bad_esc[i]), ESP_SLIP_MORE);
		T_EQ_INT(esp_slip_dec_push(&d, 0xC0), ESP_SLIP_ERROR);

		t_set_case("overlong frame reported at the delimiter");
		esp_slip_dec_init(&d, small, sizeof(small));
		for (size_t i = 0; i + 1 < sizeof(too_long); i++)
			T_EQ_INT(esp_slip_dec_push(&d, too_long[i]), ESP_SLIP_MORE);
		T_EQ_INT(esp_slip_dec_push(&d, 0xC0), ESP_SLIP_ERROR);
		/* and the decoder is back in step */
		T_EQ_INT(esp_slip_dec_push(&d, 0xC0), ESP_SLIP_MORE);
		T_EQ_INT(esp_slip_dec_push(&d, 0x33), ESP_SLIP_MORE);
		T_EQ_INT(esp_slip_dec_push(&d, 0xC0), ESP_SLIP_FRAME);
		T_EQ_INT(d.len, 1);
		t_set_case("push results");
	}

	/* skipped counts since init, and init resets it */
	esp_slip_dec_init(&d, buf, sizeof(buf));
	for (int i = 0; i < 100; i++)
		(void)esp_slip_dec_push(&d, (uint8_t)('0' + i % 10));
	T_EQ_INT(d.skipped, 100);
	T_EQ_INT(d.in_frame, 0);
	esp_slip_dec_init(&d, buf, sizeof(buf));
	T_EQ_INT(d.skipped, 0);
	t_set_case("%s", "");
}

/* A decoder must not write past cap, however long the frame. */
static void test_no_write_past_cap(void)
{
	uint8_t store[8 + 16];
	struct esp_slip_dec d;
	int errors = 0;

	t_set_case("no write past cap");
	memset(store, 0xEE, sizeof(store));
	esp_slip_dec_init(&d, store, 8);
	(void)esp_slip_dec_push(&d, 0xC0);
	for (int i = 0; i < 200; i++) {
		if (esp_slip_dec_push(&d, (uint8_t)i == 0xC0 ? 0x00 : (uint8_t)i) == ESP_SLIP_ERROR)
			errors++;
		T_CHECK(d.len <= 8);
	}
	if (esp_slip_dec_push(&d, 0xC0) == ESP_SLIP_ERROR)
		errors++;
	T_EQ_INT(errors, 1);
	for (size_t k = 8; k < sizeof(store); k++)
		T_EQ_HEX(store[k], 0xEE);
	/* and it works again afterwards */
	T_EQ_INT(esp_slip_dec_push(&d, 0xC0), ESP_SLIP_MORE);
	T_EQ_INT(esp_slip_dec_push(&d, 0x42), ESP_SLIP_MORE);
	T_EQ_INT(esp_slip_dec_push(&d, 0xC0), ESP_SLIP_FRAME);
	T_EQ_INT(d.len, 1);
	T_EQ_HEX(d.buf[0], 0x42);
	t_set_case("%s", "");
}

/* ---- random round trips ------------------------------------------------ */

static uint8_t biased_byte(uint64_t *s)
{
	static const uint8_t special[] = { 0xC0, 0xDB, 0xDC, 0xDD };
	uint64_t r = t_rand(s);

	return (r & 3) == 0 ? special[(r >> 8) & 3] : (uint8_t)(r >> 16);
}

static void test_round_trip(void)
{
	const uint64_t seed = 0x5EED5119ULL;
	uint64_t s = seed;
	static uint8_t src[MAXF][MAXLEN], stream[MAXF * (2 * MAXLEN + 2) + 64];
	static struct decoded d;
	size_t srclen[MAXF];

	for (int iter = 0; iter < 300; iter++) {
		size_t nf = 1 + t_rand(&s) % 6, pos = 0;

		t_set_case("round trip seed 0x%llx iteration %d", (unsigned long long)seed, iter);
		for (size_t f = 0; f < nf; f++) {
			srclen[f] = 1 + t_rand(&s) % (MAXLEN - 1);
			for (size_t k = 0; k < srclen[f]; k++)
				src[f][k] = biased_byte(&s);
			/* sometimes noise between frames (no C0 in it) */
			if (t_rand(&s) % 3 == 0) {
				size_t g = t_rand(&s) % 20;

				for (size_t k = 0; k < g; k++) {
					uint8_t b = (uint8_t)t_rand(&s);

					stream[pos++] = b == 0xC0 ? 0x20 : b;
				}
			}
			pos += esp_slip_encode(src[f], srclen[f], stream + pos);
		}
		decode_stream(stream, pos, MAXLEN, &d);
		T_EQ_INT(d.errors, 0);
		T_EQ_INT(d.nframes, nf);
		for (size_t f = 0; f < nf && f < d.nframes; f++)
			T_EQ_MEM(d.frame[f], d.len[f], src[f], srclen[f]);
	}

	/* the largest packet core sends (a stub FLASH_DATA of ESP_STUB_BLOCK, all
	 * bytes needing escapes) fits a decoder of ESP_MAX_FRAME */
	{
		static uint8_t pkt[ESP_HDR_LEN + 16 + ESP_STUB_BLOCK], enc[2 * sizeof(pkt) + 2];
		static uint8_t dbuf[ESP_MAX_FRAME];
		struct esp_slip_dec dec;
		size_t n, frames = 0;

		t_set_case("max packet round trip");
		for (size_t k = 0; k < sizeof(pkt); k++)
			pkt[k] = k & 1 ? 0xC0 : 0xDB;
		n = esp_slip_encode(pkt, sizeof(pkt), enc);
		T_EQ_INT(n, esp_slip_encoded_max(sizeof(pkt)));
		esp_slip_dec_init(&dec, dbuf, sizeof(dbuf));
		for (size_t k = 0; k < n; k++) {
			enum esp_slip_result r = esp_slip_dec_push(&dec, enc[k]);

			T_CHECK(r != ESP_SLIP_ERROR);
			if (r == ESP_SLIP_FRAME) {
				frames++;
				T_EQ_MEM(dec.buf, dec.len, pkt, sizeof(pkt));
			}
		}
		T_EQ_INT(frames, 1);
	}

	/* every single byte value survives a round trip */
	for (int v = 0; v < 256; v++) {
		uint8_t b = (uint8_t)v, enc[4];
		size_t n = esp_slip_encode(&b, 1, enc);

		t_set_case("round trip byte 0x%02x", v);
		decode_stream(enc, n, 4, &d);
		T_EQ_INT(d.nframes, 1);
		T_EQ_MEM(d.frame[0], d.len[0], &b, 1);
	}
	t_set_case("%s", "");
}

int main(void)
{
	test_encode();
	test_decode_table();
	test_push_results();
	test_no_write_past_cap();
	test_round_trip();
	return t_done("test_slip");
}
