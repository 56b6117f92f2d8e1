// Makes the tokenizer fixtures of tests/unit/test-text-tokenizer.c: a small
// WordPiece vocabulary (vocab.txt), tokenizer.json files for four
// normalizer settings, and cases.ndjson with the ids Hugging Face's
// transformers.js BertTokenizer gives for hard texts under each.
//
//   node tests/unit/text-tokenizer/make-fixtures.mjs [NODE_MODULES]
//
// NODE_MODULES holds @huggingface/transformers (default
// /tmp/tfjs-scratch/node_modules; 3.7.5 made the committed files).
// Texts are stored as hex bytes; invalid UTF-8 among them reaches the JS
// tokenizer through TextDecoder, which puts U+FFFD for each bad sequence.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = process.argv[2] || '/tmp/tfjs-scratch/node_modules';
const { BertTokenizer } = await import(
    pathToFileURL(path.join(modules, '@huggingface/transformers/src/tokenizers.js')).href);

// The vocabulary: specials where BERT has them, the ASCII characters alone
// and as continuations, then words and pieces the cases need.
const vocab = ['[PAD]'];
for (let i = 0; i < 99; i++) vocab.push(`[unused${i}]`);
vocab.push('[UNK]', '[CLS]', '[SEP]', '[MASK]');
for (let c = 33; c < 127; c++) vocab.push(String.fromCharCode(c));
for (let c = 97; c < 123; c++) vocab.push('##' + String.fromCharCode(c));
for (let c = 48; c < 58; c++) vocab.push('##' + String.fromCharCode(c));
const words = `the quick brown fox jump ##s ##ed ##ing un ##want ##aff ##able hello world cafe café naive
 resume résumé über uber Über The Hello World I i is a an it ' s don ##t can ##not play ##er ##ers
 σ ς ο δ ##ο ##δ ##σ ##ς οδος οδοσ α ##α β ##β γ ##γ π ##π ##ι ##ρ ##ν ##τ ##ε
 中 国 人 日 本 語 文 字 ᄒ ##ᅡ ##ᆫ ##ᄀ ##ᅮ ##ᆨ 한 ##국 こ ##ん ##に ##ち ##は に
 😀 🎉 ##😀 é ##é è ##è ñ ##ñ ß ##ß ø ##ø æ ##æ ł ##ł ı i̇ ##̇ à ##à
 « » ¿ ¡ “ ” ‘ ’ — – … · ・ 、 。 ！ ？ ， ： ； （ ） 【 】 ${'\u0301'} ##${'\u0301'}
 ##ة م ##ر ##ح ##ب ##ا п ##р ##и ##в ##е ##т мир ##м ##и ##р
 x ##x 1 ##1 2 ##2 3 ##3 $ ##$ €  £ ¥ ° ± × ÷ ® © ™`.split(/\s+/).filter(w => w.length > 0);
for (const w of words) if (!vocab.includes(w)) vocab.push(w);
// A long word made of pieces, to reach the 100-character limit.
vocab.push('long', '##word');
fs.writeFileSync(path.join(here, 'vocab.txt'), vocab.join('\n') + '\n');

const vocabObject = Object.fromEntries(vocab.map((t, i) => [t, i]));
const specialNames = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
function tokenizerJson(normalizer) {
    return {
        version: '1.0',
        truncation: null,
        padding: null,
        added_tokens: specialNames.map(name => ({
            id: vocabObject[name], content: name, single_word: false, lstrip: false, rstrip: false,
            normalized: false, special: true,
        })),
        normalizer,
        pre_tokenizer: { type: 'BertPreTokenizer' },
        post_processor: {
            type: 'TemplateProcessing',
            single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
                     { SpecialToken: { id: '[SEP]', type_id: 0 } }],
            pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
                   { SpecialToken: { id: '[SEP]', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } },
                   { SpecialToken: { id: '[SEP]', type_id: 1 } }],
            special_tokens: Object.fromEntries(['[CLS]', '[SEP]'].map(name =>
                [name, { id: name, ids: [vocabObject[name]], tokens: [name] }])),
        },
        decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
        model: {
            type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##',
            max_input_chars_per_word: 100, vocab: vocabObject,
        },
    };
}
const configs = {
    uncased: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    cased: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: false },
    'keep-accents': { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: false, lowercase: true },
    raw: { type: 'BertNormalizer', clean_text: false, handle_chinese_chars: false, strip_accents: true, lowercase: false },
};
const tokenizers = {};
for (const [name, normalizer] of Object.entries(configs)) {
    const json = tokenizerJson(normalizer);
    fs.mkdirSync(path.join(here, name), { recursive: true });
    fs.writeFileSync(path.join(here, name, 'tokenizer.json'), JSON.stringify(json, null, 1) + '\n');
    tokenizers[name] = new BertTokenizer(json, { model_max_length: 512, do_lower_case: normalizer.lowercase });
}

const utf8 = s => Buffer.from(s, 'utf8');
const texts = [
    '', ' ', '\n', 'hello world', 'Hello World', 'The quick brown fox jumped.',
    'unwantable playing players', 'Café naïve résumé Über', 'CAFÉ', 'ÜBER uber',
    'ΟΔΟΣ οδος', 'ΣΑΣ σας Σ', 'İi ıI', 'straße STRASSE',
    '中国人 日本語文字', '中国人abc日本', '한국 한', 'こんにちは', '你好世界',
    '😀 hello😀 🎉🎉', 'don\'t can\'t', '«quoted» ¿qué? ¡sí!', '“smart” ‘quotes’ — dash – and…',
    'a$b+c<d=e>f^g`h|i~j', '1,000.50 $3 €5 £7', '°C ±1 ×2 ÷3 ® © ™',
    'tab\there\nnewline\r\nCRLF', 'nul\u0000byte', 'bell\u0007and\u001besc', 'zero\u200bwidth\u200djoiner',
    'soft\u00adhyphen', 'bom\ufeffmark', 'private\ue000use', 'nbsp\u00a0em\u2003ideo\u3000space',
    'line\u2028sep\u2029para', 'replacement\ufffdchar', 'e\u0301 combining acute', 'x\u20dd enclosing',
    'مرحبا بالعالم', 'привет мир', 'ПРИВЕТ', 'mixed English 中文 русский العربية 😀',
    'long' + 'word'.repeat(24), 'long' + 'word'.repeat(25) + 'x', 'x'.repeat(101), 'x'.repeat(100),
    '[CLS] inside [SEP] text [MASK]', '[mask] lower', 'hello[MASK]world', '[UNK]',
    '..!!??', '   leading and trailing   ', 'ｆｕｌｌｗｉｄｔｈ ＡＢＣ', 'ﬁ ligature', 'Ⅻ roman',
    'ǅ titlecase', 'ΐ ΰ', 'ǰ', 'x'.repeat(10) + ' the the the the the the the the the',
];
const byteCases = texts.map(utf8);
// invalid UTF-8: stray continuation, truncated sequences, overlong, surrogate, > U+10FFFF
byteCases.push(Buffer.from([0x61, 0x62, 0xff, 0x63, 0x64]));
byteCases.push(Buffer.from([0x68, 0x65, 0x80, 0x20, 0x77, 0xc3]));
byteCases.push(Buffer.from([0xc0, 0xaf, 0x20, 0x78, 0xed, 0xa0, 0x80, 0x20, 0xf4, 0x90, 0x80, 0x80, 0x79]));
byteCases.push(Buffer.from([0xe4, 0xb8, 0x20, 0xe4, 0xb8, 0xad]));

const lines = [];
for (const name of Object.keys(configs)) {
    for (const bytes of byteCases) {
        const text = new TextDecoder('utf-8').decode(bytes);
        const ids = Array.from(tokenizers[name](text).input_ids.data, Number);
        lines.push(JSON.stringify({ config: name, max_length: 0, hex: bytes.toString('hex'), ids }));
        // transformers.js 3.7.5 truncates after adding [CLS]/[SEP], so with
        // truncation it cuts the [SEP] off; Python transformers and the
        // tokenizers crate cut the text's tokens and keep [SEP]. The
        // truncated cases follow them.
        const maxLength = 6;
        const cut = ids.length > maxLength ? [...ids.slice(0, maxLength - 1), ids[ids.length - 1]] : ids;
        lines.push(JSON.stringify({ config: name, max_length: maxLength, hex: bytes.toString('hex'), ids: cut }));
    }
}
fs.writeFileSync(path.join(here, 'cases.ndjson'), lines.join('\n') + '\n');
console.log(`${lines.length} cases, ${vocab.length} tokens`);
