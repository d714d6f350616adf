/* The fast path's compiled core: the JPEG marker scan and the TIFF IFD walk, off the GIL.
 *
 * Both mirror the pure-Python functions in fastpath.py and tiff_ifd.py line for line (those stay as the
 * fall-back when this module is not built, and as the oracle the tests compare it with). The bytes are
 * read and checked with the GIL released; only the Python objects of the result are built holding it.
 * A case the Python code hands to Pillow comes back here as the same reason string.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The thread CPU time spent with the GIL released, summed over calls while counting is on (a benchmark's figure:
 * two clock reads per section, so off by default). */
static int counting = 0;
static long long released_ns = 0;

static long long thread_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

#define RELEASED(call)                                                                                                 \
    do {                                                                                                               \
        int counted = counting;                                                                                        \
        long long begin = 0;                                                                                           \
        Py_BEGIN_ALLOW_THREADS                                                                                         \
        if (counted) begin = thread_ns();                                                                              \
        call;                                                                                                          \
        if (counted) __atomic_add_fetch(&released_ns, thread_ns() - begin, __ATOMIC_RELAXED);                          \
        Py_END_ALLOW_THREADS                                                                                           \
    } while (0)

/* ------------------------------------------------------------------------------------------------
 * The marker scan (fastpath.scan_jpeg)
 */

typedef struct {
    int fd;
    unsigned char *buf;
    Py_ssize_t len, cap, max_header, lookahead;
    const char *reason; /* set: hand the file to Pillow with this reason */
    int error;          /* set: read() failed with this errno */
} Scan;

/* fastpath._fill: buf grown to at least `end` bytes (plus the look-ahead), never past max_header. 0 on success. */
static int fill(Scan *s, Py_ssize_t end) {
    if (end > s->max_header) {
        s->reason = "large-header";
        return -1;
    }
    Py_ssize_t want = end - s->len + s->lookahead;
    if (want < s->len / 8) want = s->len / 8;
    if (want > s->max_header - s->len) want = s->max_header - s->len;
    if (s->len + want > s->cap) {
        Py_ssize_t cap = s->cap * 2 > s->len + want ? s->cap * 2 : s->len + want;
        unsigned char *grown = realloc(s->buf, (size_t)cap);
        if (grown == NULL) {
            s->error = ENOMEM;
            return -1;
        }
        s->buf = grown;
        s->cap = cap;
    }
    ssize_t got;
    do { /* one read, as os.read makes (retried on EINTR) */
        got = read(s->fd, s->buf + s->len, (size_t)want);
    } while (got < 0 && errno == EINTR);
    if (got < 0) {
        s->error = errno;
        return -1;
    }
    s->len += got;
    if (end > s->len) {
        s->reason = "truncated-header";
        return -1;
    }
    return 0;
}

/* Lexicographic order of two byte strings, as Python compares bytes. */
static int bytes_less(const unsigned char *a, Py_ssize_t na, const unsigned char *b, Py_ssize_t nb) {
    int c = memcmp(a, b, (size_t)(na < nb ? na : nb));
    return c < 0 || (c == 0 && na < nb);
}

static int starts(const unsigned char *s, Py_ssize_t n, const char *prefix, Py_ssize_t np) {
    return n >= np && memcmp(s, prefix, (size_t)np) == 0;
}

/* fastpath.check_photoshop */
static const char *check_photoshop(const unsigned char *s, Py_ssize_t end) {
    Py_ssize_t offset = 14;
    while (offset + 4 <= end && memcmp(s + offset, "8BIM", 4) == 0) {
        offset += 6;
        if (offset > end) return NULL;
        unsigned code = (unsigned)s[offset - 2] << 8 | s[offset - 1];
        if (offset == end) return "odd-photoshop";
        offset += 1 + s[offset];
        offset += offset & 1;
        if (offset + 4 > end) return NULL;
        uint64_t size = (uint64_t)s[offset] << 24 | (uint64_t)s[offset + 1] << 16 | (uint64_t)s[offset + 2] << 8 | s[offset + 3];
        offset += 4;
        uint64_t left = (uint64_t)(end - offset);
        if (code == 0x03ED && (size < left ? size : left) < 14) return NULL;
        if (size > (uint64_t)(end - offset)) return NULL; /* past the end: the next signature check fails */
        offset += (Py_ssize_t)size;
        offset += offset & 1;
    }
    return NULL;
}

/* fastpath.check_dqt */
static const char *check_dqt(const unsigned char *s, Py_ssize_t n) {
    Py_ssize_t i = 0;
    while (i < n) {
        i += s[i] < 16 ? 65 : 129;
        if (i > n) return "odd-dqt";
    }
    return NULL;
}

static int is_sof(int byte) {
    switch (byte) {
    case 0xC0: case 0xC1: case 0xC2: case 0xC3: case 0xC5: case 0xC6: case 0xC7:
    case 0xC9: case 0xCA: case 0xCB: case 0xCD: case 0xCE: case 0xCF: case 0xDE:
        return 1;
    default:
        return 0;
    }
}

static int no_payload(int byte) { return byte == 0xC8 || (byte >= 0xD0 && byte <= 0xD9) || (byte >= 0xF0 && byte <= 0xFD); }

static const char EXIF[] = "Exif\0\0";
static const char XMP[] = "http://ns.adobe.com/xap/1.0/";

typedef struct {
    Py_ssize_t (*spans)[2];
    Py_ssize_t nspans, cap;
    Py_ssize_t xmp_start, xmp_end; /* -1: none */
    int has_dpi;
    long width, height; /* -1: no frame */
} Found;

#define FILL(end)                                                                                                      \
    do {                                                                                                               \
        if (fill(s, (end)) < 0) return;                                                                                \
    } while (0)

/* The walk itself, without the GIL: on return either s->reason / s->error is set, or `found` is. */
static void scan(Scan *s, Found *f) {
    Py_ssize_t pos = 3, icc_start = -1, icc_len = 0;
    int pending = 0xFF;
    f->xmp_start = f->xmp_end = -1;
    f->has_dpi = 0;
    f->width = f->height = -1;
    for (;;) {
        if (pending != 0xFF) { /* junk between markers: on to the next 0xFF */
            for (;;) {
                unsigned char *hit = pos < s->len ? memchr(s->buf + pos, 0xFF, (size_t)(s->len - pos)) : NULL;
                if (hit != NULL) {
                    pos = hit - s->buf + 1;
                    break;
                }
                pos = s->len;
                FILL(pos + 1);
            }
        }
        if (pos >= s->len) FILL(pos + 1);
        int byte = s->buf[pos++];
        pending = 0xFF;
        if (byte == 0xFF) { /* fill bytes: the last 0xFF of the run starts the marker */
            for (;;) {
                while (pos < s->len && s->buf[pos] == 0xFF) pos++;
                if (pos < s->len) break;
                FILL(pos + 1);
            }
            continue;
        }
        if (byte == 0x00) { /* escaped 0xFF: the next byte is read as a new start */
            if (pos >= s->len) FILL(pos + 1);
            pending = s->buf[pos++];
            continue;
        }
        if (byte < 0xC0) {
            s->reason = "no-marker";
            return;
        }
        if (!no_payload(byte)) {
            if (pos + 2 > s->len) FILL(pos + 2);
            Py_ssize_t n = ((Py_ssize_t)s->buf[pos] << 8 | s->buf[pos + 1]) - 2;
            pos += 2;
            Py_ssize_t start = pos;
            if (n > 0) {
                if (pos + n > s->len) FILL(pos + n);
                pos += n;
            }
            if (byte == 0xDA) break; /* SOS */
            const unsigned char *seg = s->buf + start;
            Py_ssize_t len = pos - start;
            if (byte == 0xE1 && starts(seg, len, EXIF, 6)) {
                if (f->nspans == f->cap) {
                    Py_ssize_t cap = f->cap ? 2 * f->cap : 8;
                    void *grown = realloc(f->spans, sizeof *f->spans * (size_t)cap);
                    if (grown == NULL) {
                        s->error = ENOMEM;
                        return;
                    }
                    f->spans = grown;
                    f->cap = cap;
                }
                f->spans[f->nspans][0] = f->nspans ? start + 6 : start;
                f->spans[f->nspans][1] = pos;
                f->nspans++;
            } else if (byte >= 0xE0 && byte <= 0xEF) {
                if (byte == 0xE1 && starts(seg, len, XMP, sizeof XMP)) { /* the namespace and its NUL */
                    f->xmp_start = start + (Py_ssize_t)sizeof XMP;
                    f->xmp_end = pos;
                } else if (byte == 0xE0 && starts(seg, len, "JFIF", 4)) {
                    if (len < 7) {
                        s->reason = "odd-app-segment";
                        return;
                    }
                    f->has_dpi = f->has_dpi || (len >= 12 && (seg[7] == 1 || seg[7] == 2));
                } else if (byte == 0xE2 && starts(seg, len, "ICC_PROFILE\0", 12)) {
                    if (icc_start < 0 || bytes_less(seg, len, s->buf + icc_start, icc_len)) {
                        icc_start = start;
                        icc_len = len;
                    }
                } else if (byte == 0xE2 && starts(seg, len, "MPF\0", 4)) {
                    s->reason = "mpo";
                    return;
                } else if (byte == 0xED && starts(seg, len, "Photoshop 3.0\0", 14)) {
                    if ((s->reason = check_photoshop(seg, len)) != NULL) return;
                } else if (byte == 0xEE && starts(seg, len, "Adobe", 5) && len < 7) {
                    s->reason = "odd-app-segment";
                    return;
                }
            } else if (is_sof(byte)) {
                if (len < 6 || seg[0] != 8 || (seg[5] != 1 && seg[5] != 3 && seg[5] != 4) || (len - 6) % 3) {
                    s->reason = "odd-sof";
                    return;
                }
                if (icc_start >= 0 && icc_len < 14) {
                    s->reason = "odd-icc";
                    return;
                }
                icc_start = -1;
                f->width = seg[3] << 8 | seg[4];
                f->height = seg[1] << 8 | seg[2];
            } else if (byte == 0xDB) {
                if ((s->reason = check_dqt(seg, len)) != NULL) return;
            }
        }
        if (pos >= s->len) FILL(pos + 1);
        pending = s->buf[pos++];
    }
}

PyDoc_STRVAR(scan_jpeg_doc,
"scan_jpeg(fd, head, max_header, lookahead) -> str | tuple\n\n"
"fastpath.scan_jpeg over the file open at fd, whose first bytes `head` (SOI first) were read already;\n"
"reads on with read(2) as the Python scan does, the GIL released throughout. Returns the fall-back\n"
"reason, or (header, spans, xmp_start, xmp_end, has_dpi, width, height): the Exif segments as\n"
"(start, end) spans of header, the last XMP packet's span (-1, -1: none), width and height -1 without\n"
"a frame. A failed read raises OSError.");

static PyObject *scan_jpeg(PyObject *self, PyObject *args) {
    int fd;
    Py_buffer head;
    Py_ssize_t max_header, lookahead;
    if (!PyArg_ParseTuple(args, "iy*nn:scan_jpeg", &fd, &head, &max_header, &lookahead)) return NULL;
    Scan s = {fd, NULL, head.len, head.len + lookahead + 4096, max_header, lookahead, NULL, 0};
    Found found = {NULL, 0, 0, -1, -1, 0, -1, -1}, *f = &found;
    s.buf = malloc((size_t)s.cap);
    if (s.buf == NULL) {
        PyBuffer_Release(&head);
        return PyErr_NoMemory();
    }
    memcpy(s.buf, head.buf, (size_t)head.len);
    PyBuffer_Release(&head);
    RELEASED(scan(&s, f));
    PyObject *result = NULL;
    if (s.error) {
        errno = s.error;
        PyErr_SetFromErrno(PyExc_OSError);
    } else if (s.reason != NULL) {
        result = PyUnicode_FromString(s.reason);
    } else {
        PyObject *spans = PyList_New(f->nspans);
        for (Py_ssize_t i = 0; spans != NULL && i < f->nspans; i++) {
            PyObject *span = Py_BuildValue("(nn)", f->spans[i][0], f->spans[i][1]);
            if (span == NULL) Py_CLEAR(spans);
            else PyList_SET_ITEM(spans, i, span);
        }
        if (spans != NULL)
            result = Py_BuildValue("(y#NnnOll)", (const char *)s.buf, s.len, spans, f->xmp_start, f->xmp_end,
                                   f->has_dpi ? Py_True : Py_False, f->width, f->height);
    }
    free(s.buf);
    free(f->spans);
    return result;
}

/* ------------------------------------------------------------------------------------------------
 * The IFD walk (tiff_ifd.load_ifd)
 */

enum { ASCII = 2, BYTE = 1, UNDEFINED = 7, RATIONAL = 5, SRATIONAL = 10 };

typedef struct {
    uint16_t tag, typ;
    uint32_t n;
    Py_ssize_t at; /* the value's first byte in data */
} Entry;

static uint16_t u16(const unsigned char *p, int big) { return big ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]); }

static uint32_t u32(const unsigned char *p, int big) {
    return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
               : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint64_t u64(const unsigned char *p, int big) {
    uint64_t hi = u32(p, big), lo = u32(p + 4, big);
    return big ? hi << 32 | lo : lo << 32 | hi;
}

static int bit(const unsigned char *map, unsigned i) { return map[i >> 3] >> (i & 7) & 1; }

typedef struct {
    const unsigned char *data;
    Py_ssize_t base, limit;
    uint32_t offset;
    int big;
    const unsigned char *units;  /* 256 bytes: type -> unit size; 0 unsupported (skipped); 255 Pillow loads it */
    const unsigned char *single; /* 8192 bytes: tags declared single-valued, one bit each */
    Entry *entries;
    Py_ssize_t count;
    const char *reason;
    int bad_type;
} Walk;

/* Which entries survive and where their values are, without the GIL. */
static void walk(Walk *w) {
    const unsigned char *data = w->data + w->base;
    Py_ssize_t limit = w->limit, start = (Py_ssize_t)w->offset + 2;
    w->count = 0;
    if (start > limit) {
        w->reason = "truncated-ifd";
        return;
    }
    Py_ssize_t count = u16(data + w->offset, w->big), end = start + 12 * count;
    if (end + 4 > limit) {
        w->reason = "truncated-ifd";
        return;
    }
    unsigned char seen[8192];
    memset(seen, 0, sizeof seen);
    uint64_t total = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        const unsigned char *e = data + start + 12 * i;
        uint16_t tag = u16(e, w->big), typ = u16(e + 2, w->big);
        uint32_t n = u32(e + 4, w->big);
        if (bit(seen, tag)) continue;
        unsigned unit = typ < 256 ? w->units[typ] : 0;
        if (unit == 0) continue; /* Pillow ignores unsupported types silently */
        if (unit == 255) {
            w->reason = "tag-type";
            w->bad_type = typ;
            return;
        }
        uint64_t size = (uint64_t)n * unit;
        Py_ssize_t at;
        if (size > 4) {
            total += size;
            uint32_t where = u32(e + 8, w->big);
            if (total > (uint64_t)limit || where + size > (uint64_t)limit) {
                w->reason = "tag-data-out-of-range";
                return;
            }
            at = w->base + where;
        } else if (size == 0) {
            continue; /* zero-length entries are dropped */
        } else {
            at = w->base + start + 12 * i + 8;
        }
        if (n > 1 && typ != ASCII && typ != BYTE && typ != UNDEFINED && bit(w->single, tag)) {
            w->reason = "multi-value-single-tag"; /* Pillow warns and truncates */
            return;
        }
        seen[tag >> 3] |= (unsigned char)(1 << (tag & 7));
        w->entries[w->count++] = (Entry){tag, typ, n, at};
    }
}

static PyObject *number(const unsigned char *p, int typ, int big) {
    switch (typ) {
    case 3: case 8: {
        uint16_t v = u16(p, big);
        return typ == 3 ? PyLong_FromLong(v) : PyLong_FromLong((int16_t)v);
    }
    case 4: case 13: return PyLong_FromUnsignedLong(u32(p, big));
    case 9: return PyLong_FromLong((int32_t)u32(p, big));
    case 6: return PyLong_FromLong((signed char)p[0]);
    case 16: return PyLong_FromUnsignedLongLong(u64(p, big));
    case 11: return PyFloat_FromDouble(PyFloat_Unpack4((const char *)p, !big));
    default: return PyFloat_FromDouble(PyFloat_Unpack8((const char *)p, !big)); /* 12 */
    }
}

static PyObject *fraction(const unsigned char *p, int typ, int big, PyObject *rational) {
    uint32_t a = u32(p, big), b = u32(p + 4, big);
    if (typ == SRATIONAL) return PyObject_CallFunction(rational, "ll", (long)(int32_t)a, (long)(int32_t)b);
    return PyObject_CallFunction(rational, "kk", (unsigned long)a, (unsigned long)b);
}

/* One entry's value, as Pillow's ``__getitem__`` and ``Exif._fixup`` give it. */
static PyObject *value(const Walk *w, const Entry *e, PyObject *enums, PyObject *rational) {
    const unsigned char *p = w->data + e->at;
    int big = w->big, typ = e->typ;
    uint32_t n = e->n;
    if (typ == ASCII) { /* one trailing NUL dropped, latin-1, enum names become ints */
        Py_ssize_t len = n;
        if (p[len - 1] == 0) len--;
        PyObject *text = PyUnicode_DecodeLatin1((const char *)p, len, "replace");
        PyObject *key = text == NULL ? NULL : PyLong_FromLong(e->tag);
        PyObject *enum_ = key == NULL ? NULL : PyDict_GetItemWithError(enums, key);
        Py_XDECREF(key);
        if (enum_ == NULL) return PyErr_Occurred() ? (Py_XDECREF(text), NULL) : text;
        PyObject *named = PyObject_CallMethod(enum_, "get", "OO", text, text);
        Py_DECREF(text);
        return named;
    }
    if (typ == BYTE || typ == UNDEFINED) return PyBytes_FromStringAndSize((const char *)p, n);
    unsigned unit = w->units[typ];
    int ratio = typ == RATIONAL || typ == SRATIONAL;
    if (n == 1) return ratio ? fraction(p, typ, big, rational) : number(p, typ, big);
    PyObject *items = PyTuple_New(n);
    for (uint32_t i = 0; items != NULL && i < n; i++) {
        PyObject *item = ratio ? fraction(p + i * unit, typ, big, rational) : number(p + i * unit, typ, big);
        if (item == NULL) Py_CLEAR(items);
        else PyTuple_SET_ITEM(items, i, item);
    }
    return items;
}

PyDoc_STRVAR(load_ifd_doc,
"load_ifd(data, base, end, offset, big, units, single, enums, rational, ordered) -> dict | str\n\n"
"tiff_ifd.load_ifd: the IFD at `offset` of the TIFF data data[base:end], its values in file order, or the\n"
"fall-back reason. `units`: 256 bytes, each type's unit size (0 skipped, 255 a type Pillow loads that\n"
"is not decoded here); `single`: 8192 bytes, one bit per tag declared single-valued; `enums`: tag ->\n"
"ASCII enum; `rational(numerator, denominator)` builds a rational; `ordered`: keyed in the order\n"
"dict(ImageFileDirectory_v2) yields them ({tag: d[tag] for tag in set(d) | set()}, through the same set\n"
"operations) instead of file order. The entries are walked with the GIL released.");

/* {tag: values[tag] for tag in set(values) | set()}: the same set operations, so the same order. */
static PyObject *pillow_order(PyObject *values) {
    PyObject *keys = PySet_New(values), *none = PySet_New(NULL);
    PyObject *both = keys && none ? PyNumber_Or(keys, none) : NULL;
    Py_XDECREF(keys);
    Py_XDECREF(none);
    PyObject *iter = both ? PyObject_GetIter(both) : NULL, *out = iter ? PyDict_New() : NULL, *tag;
    Py_XDECREF(both);
    while (out != NULL && (tag = PyIter_Next(iter)) != NULL) {
        PyObject *value = PyDict_GetItemWithError(values, tag);
        if (value == NULL || PyDict_SetItem(out, tag, value) < 0) Py_CLEAR(out);
        Py_DECREF(tag);
    }
    Py_XDECREF(iter);
    if (out != NULL && PyErr_Occurred()) Py_CLEAR(out);
    return out;
}

static PyObject *load_ifd(PyObject *self, PyObject *args) {
    Py_buffer data, units, single;
    Py_ssize_t base, end;
    unsigned long long offset;
    int big, ordered;
    PyObject *enums, *rational;
    Walk w = {0};
    if (!PyArg_ParseTuple(args, "y*nnKpy*y*O!Op:load_ifd", &data, &base, &end, &offset, &big, &units, &single, &PyDict_Type,
                          &enums, &rational, &ordered))
        return NULL;
    PyObject *result = NULL;
    if (units.len != 256 || single.len != 8192 || base < 0 || end > data.len || end < base) {
        PyErr_SetString(PyExc_ValueError, "load_ifd: bad tables or bounds");
        goto done;
    }
    if (offset + 2 > (unsigned long long)(end - base)) {
        result = PyUnicode_FromString("truncated-ifd");
        goto done;
    }
    w = (Walk){data.buf, base, end - base, (uint32_t)offset, big, units.buf, single.buf, NULL, 0, NULL, 0};
    {
        Py_ssize_t count = u16(w.data + base + offset, big);
        w.entries = PyMem_RawMalloc(sizeof(Entry) * (size_t)(count ? count : 1));
        if (w.entries == NULL) {
            PyErr_NoMemory();
            goto done;
        }
    }
    RELEASED(walk(&w));
    if (w.reason != NULL) {
        result = w.bad_type ? PyUnicode_FromFormat("tag-type-%d", w.bad_type) : PyUnicode_FromString(w.reason);
    } else if ((result = PyDict_New()) != NULL) {
        for (Py_ssize_t i = 0; i < w.count; i++) {
            PyObject *key = PyLong_FromLong(w.entries[i].tag);
            PyObject *item = key == NULL ? NULL : value(&w, &w.entries[i], enums, rational);
            int failed = item == NULL || PyDict_SetItem(result, key, item) < 0;
            Py_XDECREF(key);
            Py_XDECREF(item);
            if (failed) {
                Py_CLEAR(result);
                break;
            }
        }
        if (result != NULL && ordered) {
            PyObject *in_order = pillow_order(result);
            Py_SETREF(result, in_order);
        }
    }
done:
    PyMem_RawFree(w.entries);
    PyBuffer_Release(&data);
    PyBuffer_Release(&units);
    PyBuffer_Release(&single);
    return result;
}

PyDoc_STRVAR(count_released_doc,
"count_released(on) -> int\n\n"
"Start (on=True) or stop counting the thread CPU time spent with the GIL released; returns the nanoseconds\n"
"counted so far (summed over every thread) and resets the count.");

static PyObject *count_released(PyObject *self, PyObject *arg) {
    int on = PyObject_IsTrue(arg);
    if (on < 0) return NULL;
    counting = on;
    return PyLong_FromLongLong(__atomic_exchange_n(&released_ns, 0, __ATOMIC_RELAXED));
}

PyDoc_STRVAR(named_doc,
"named(merged, names) -> dict\n\n"
"{names[tag]: value for tag, value in merged.items()} (names may be a dict with __missing__).");

static PyObject *named(PyObject *self, PyObject *args) {
    PyObject *merged, *names, *tag, *value;
    if (!PyArg_ParseTuple(args, "O!O:named", &PyDict_Type, &merged, &names)) return NULL;
    PyObject *out = PyDict_New();
    Py_ssize_t at = 0;
    while (out != NULL && PyDict_Next(merged, &at, &tag, &value)) {
        PyObject *name = PyObject_GetItem(names, tag);
        if (name == NULL || PyDict_SetItem(out, name, value) < 0) Py_CLEAR(out);
        Py_XDECREF(name);
    }
    return out;
}

static PyMethodDef methods[] = {
    {"named", named, METH_VARARGS, named_doc},
    {"count_released", count_released, METH_O, count_released_doc},
    {"scan_jpeg", scan_jpeg, METH_VARARGS, scan_jpeg_doc},
    {"load_ifd", load_ifd, METH_VARARGS, load_ifd_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fastcore", "The fast path's compiled core (see fastpath.py).", -1,
                                    methods};

/* Bumped with every change of these functions' signatures or answers: a build older than its Python code is not used. */
#define CORE_VERSION 2

PyMODINIT_FUNC PyInit__fastcore(void) {
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddIntConstant(m, "VERSION", CORE_VERSION) < 0) Py_CLEAR(m);
    return m;
}
