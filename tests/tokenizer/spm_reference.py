#!/usr/bin/env python3
"""Reference vectors from real SentencePiece for Sovra's Unigram tokenizer (tests/tokenizer/sp_reference_test.cpp).

Trains tiny Unigram models on generated multilingual text, one per normalization setup, and writes for each its
pieces, scores and types, the NormalizerSpec (precompiled_charsmap as hex and the whitespace flags) and the ids
SentencePiece gives for a list of tricky inputs, to the JSON file named on the command line. Nothing is committed:
the test runs this at test time.

Usage: spm_reference.py OUT.json          exit 0: written; exit 77: sentencepiece is not installed
"""
import json
import os
import random
import sys
import tempfile

try:
    import sentencepiece as spm
except ImportError:
    print("spm_reference: the python module 'sentencepiece' is missing (Debian: python3-sentencepiece)",
          file=sys.stderr)
    sys.exit(77)


def proto_fields(buf):
    """(field number, wire type, value) of one protobuf message; values of length-delimited fields are bytes."""
    i = 0

    def varint():
        nonlocal i
        shift = result = 0
        while True:
            b = buf[i]
            i += 1
            result |= (b & 0x7F) << shift
            if b < 0x80:
                return result
            shift += 7

    while i < len(buf):
        key = varint()
        field, wire = key >> 3, key & 7
        if wire == 0:
            yield field, wire, varint()
        elif wire == 1:
            yield field, wire, buf[i:i + 8]
            i += 8
        elif wire == 2:
            n = varint()
            yield field, wire, buf[i:i + n]
            i += n
        elif wire == 5:
            yield field, wire, buf[i:i + 4]
            i += 4
        else:
            raise ValueError("unsupported protobuf wire type %d" % wire)


def normalizer_spec(model_bytes):
    # ModelProto.normalizer_spec = 3; NormalizerSpec: name 1, precompiled_charsmap 2, add_dummy_prefix 3,
    # remove_extra_whitespaces 4, escape_whitespaces 5 (the booleans default to true when absent).
    spec = {"name": "", "charsmap": b"", "add_dummy_prefix": True, "remove_extra_whitespaces": True,
            "escape_whitespaces": True}
    for field, _, value in proto_fields(model_bytes):
        if field != 3:
            continue
        for f, _, v in proto_fields(value):
            if f == 1:
                spec["name"] = v.decode()
            elif f == 2:
                spec["charsmap"] = bytes(v)
            elif f == 3:
                spec["add_dummy_prefix"] = bool(v)
            elif f == 4:
                spec["remove_extra_whitespaces"] = bool(v)
            elif f == 5:
                spec["escape_whitespaces"] = bool(v)
    return spec


WORDS = [
    # Swedish, German, French, Spanish
    "smörgåsbord", "räksmörgås", "åka", "äpple", "öl", "fjäll", "Göteborg", "Malmö", "kärlek", "sjuksköterska",
    "Straße", "Größe", "Übung", "schön", "Fußball", "Mädchen", "naïve", "café", "crème", "brûlée", "niño",
    "mañana", "hello", "world", "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "data", "model",
    # Full-width ASCII, ligatures, compatibility characters
    "ＡＢＣ", "ｆｕｌｌ", "１２３", "ﬁle", "ﬂow", "ﬀ", "①", "②", "㎏", "㎞", "℃", "№", "™", "Ⅻ", "½", "²",
    # Arabic, Japanese (half-width and full-width katakana), Chinese, Greek, Cyrillic
    "مرحبا", "السلام", "ﻻ", "ｶﾀｶﾅ", "ｱｲｳ", "カタカナ", "ひらがな", "日本語", "東京", "中文", "Ελληνικά",
    "Привет", "мир",
]


def corpus(seed):
    rng = random.Random(seed)
    lines = []
    for _ in range(3000):
        n = rng.randint(3, 12)
        sep = rng.choice([" ", " ", " ", "  ", "\t", " \u3000"])
        words = [rng.choice(WORDS) for _ in range(n)]
        if rng.random() < 0.2:
            words.append("e\u0301t\u00e9")  # decomposed and precomposed é
        lines.append(sep.join(words))
    return lines


CASES = [
    "hello world", "Hello World", "HELLO", "  hello   world  ", "\thello\tworld\t", "hello\nworld", "a\r\nb",
    "smörgåsbord", "SMÖRGÅSBORD", "räksmörgås i Göteborg", "Straße", "STRASSE", "Größe", "Übung",
    "ＡＢＣ", "ｆｕｌｌ ｗｉｄｔｈ", "１２３４５", "ﬁle ﬂow ﬀ ﬃ", "① ② ③", "㎏ ㎞ ㎡", "℃ ℉", "№ 5", "™",
    "Ⅻ ⅳ", "½ ¼ ¾", "x² y³", "e\u0301", "cafe\u0301", "café", "A\u030a", "Å", "\u212b", "ﻻ", "ｶﾀｶﾅ", "ｶﾞｷﾞ",
    "カタカナ", "ｱｲｳｴｵ", "مرحبا بالعالم", "日本語のテキスト", "東京タワー", "中文字符", "Ελληνικά", "Привет мир",
    "", " ", "   ", "\t", "\n\n", "\u3000", "a\u3000b", "\u00a0", "a\u00a0b", "a\u2003b", "a\u200bb",
    "zero\u200dwidth", "\ufeffbom", "soft\u00adhyphen", "ctrl\x01\x02chars", "del\x7f", "tab\there",
    "\u2581already", "a\u2581b", "\u00a8", "x\u00a8y", "\u00b4", "\u02dc", "\u0301start", "mix ＡＢＣ abc",
    "ＨＥＬＬＯ　ＷＯＲＬＤ", "（括弧）", "「引用」", "…", "‥", "—", "–", "‘quotes’", "“double”", "«guillemets»",
    "€100", "£5", "¥500", "ﾟ", "ﾞ", "ｰ", "･", "ｧｨｩ", "\U0001d400\U0001d401", "\U0001f600 emoji", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "Ǆ ǅ ǆ", "Ĳ ĳ", "ŉ", "ſ", "ǈ", "µ", "K", "Ω", "ﬆ", "ﬅ", "Œuvre", "Æsir", "Ǽ", "ß", "ẞ", "İstanbul",
    "ı", "fjäll och sjö", "ÅÄÖ åäö", "A\u0308O\u0308", "a\u0308o\u0308", "Malmö\tGöteborg", "naïve café",
    "crème brûlée", "niño mañana", "the quick brown fox", "jumps over the lazy dog",
    "😀😁", "a b c d e f g", "word" * 20, "x" * 50, "ab" * 30, "123 456 7890", "3.14159", "1,000,000",
    "email@example.com", "https://example.org/path?q=1", "C++ & Python", "#hashtag @mention", "<tag>",
    "</s>", "<unk>", "<s>hello</s>", "[CLS]", "ＡＡＡ ａａａ", "Ａa", "㍱", "㌀", "㍻", "㋿", "㈱", "㊤", "⑴", "⒈",
    "⓵", "Ⓐ", "ⓐ", "🄰", "ﹰ", "ﺀ", "ﷺ", "ﷻ", "ﴼ", "\u0627\u0644\u0644\u0647", "ー", "〜", "～", "｡", "､", "｢｣",
    "\u3099", "か\u3099", "ｶ\uff9e", "ﾊﾟ", "ﾍﾞﾝﾁ", "ﾃﾞｰﾀ", "ウ\u3099", "ヴ", "ｳﾞ", "\u1100\u1161", "한국어",
    "ﾠ", "ﾡ", "ㄱ", "ㅏ", "\u0e01\u0e32", "\u0915\u093f", "ＩⅤ", "ⅰⅱⅲ", "ℌ", "ℍ", "ℕ", "ℤ", "ℯ", "ℊ",
    "a  b", "a \t b", " \t\n leading", "trailing \t\n ", "a\u3000\u3000b", " ＡＢＣ ", "\u2028line",
    "para\u2029graph", "\u0085next", "\u000b\u000c", "a\u000bb", "a\u000cb", "mixed\u00a0\u3000\u2002spaces",
]

# Bytes that are not UTF-8 (SentencePiece replaces each bad byte with U+FFFD).
BYTE_CASES = [b"\xff", b"abc\xffdef", b"\xc3", b"\xc3(", b"\xe2\x82", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
              b"\xc0\xaf", b"\x80\x80 hello", b"ok \xf0\x9f\x98"]

SETUPS = [
    # name, training rule, trainer flags
    ("nmt_nfkc", "nmt_nfkc", {}),
    ("nmt_nfkc_cf_keep_ws", "nmt_nfkc_cf", {"remove_extra_whitespaces": False, "add_dummy_prefix": False}),
    ("identity", "identity", {}),
]


def type_of(sp, i):
    # GGUF / llama.cpp token types: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
    if sp.is_unknown(i):
        return 2
    if sp.is_control(i):
        return 3
    if sp.is_unused(i):
        return 5
    if sp.is_byte(i):
        return 6
    return 1


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = {"sentencepiece_version": spm.__version__, "models": []}
    with tempfile.TemporaryDirectory() as tmp:
        text_path = os.path.join(tmp, "corpus.txt")
        with open(text_path, "w", encoding="utf-8") as f:
            f.write("\n".join(corpus(13)) + "\n")
        for name, rule, flags in SETUPS:
            prefix = os.path.join(tmp, name)
            spm.SentencePieceTrainer.train(
                input=text_path, model_prefix=prefix, model_type="unigram", vocab_size=400, hard_vocab_limit=False,
                character_coverage=0.9995, normalization_rule_name=rule, num_threads=1, seed_sentencepiece_size=20000,
                minloglevel=2, **flags)
            with open(prefix + ".model", "rb") as f:
                model_bytes = f.read()
            sp = spm.SentencePieceProcessor(model_proto=model_bytes)
            spec = normalizer_spec(model_bytes)
            n = sp.get_piece_size()
            cases = []
            for text in CASES:
                data = text.encode("utf-8")
                cases.append({"hex": data.hex(), "ids": sp.encode(text)})
            for data in BYTE_CASES:
                cases.append({"hex": data.hex(), "ids": sp.encode(data)})
            out["models"].append({
                "name": name,
                "normalizer": spec["name"],
                "pieces": [sp.id_to_piece(i) for i in range(n)],
                "scores": [sp.get_score(i) for i in range(n)],
                "types": [type_of(sp, i) for i in range(n)],
                "unk_id": sp.unk_id(), "bos_id": sp.bos_id(), "eos_id": sp.eos_id(),
                "precompiled_charsmap_hex": spec["charsmap"].hex(),
                "add_dummy_prefix": spec["add_dummy_prefix"],
                "remove_extra_whitespaces": spec["remove_extra_whitespaces"],
                "escape_whitespaces": spec["escape_whitespaces"],
                "cases": cases,
            })
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
