package dev.lopper.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model of a tokenizer.json: a word is split into characters (each known character, or
 * its UTF-8 bytes as "<0xNN>" tokens with byte fallback, or the unknown token), then the pair
 * with the lowest merge rank is merged, leftmost first, until no listed pair is left.
 */
final class BpeModel {
    /** Words at least this long are not cached (HF's limit), so one huge text cannot fill the cache. */
    private static final int CACHE_MAX_WORD = 256;
    private static final int CACHE_CAPACITY = 10_000;

    private final Map<String, Integer> vocab;
    private final String[] tokens;
    private final MergeTable merges;
    private final BpeOptions options;
    private final int[] byteIds;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    BpeModel(Map<String, Integer> vocab, MergeTable merges, BpeOptions options) {
        this.vocab = vocab;
        this.merges = merges;
        this.options = options;
        int maxId = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
        this.tokens = new String[maxId + 1];
        vocab.forEach((token, id) -> tokens[id] = token);
        this.byteIds = new int[256];
        for (int b = 0; b < 256; b++) {
            byteIds[b] = vocab.getOrDefault(String.format("<0x%02X>", b), -1);
        }
    }

    /** Token to id, as in the file (not to be changed). */
    Map<String, Integer> vocabulary() {
        return vocab;
    }

    /** The token string of a model id, or null when the vocabulary has no such id. */
    String token(int id) {
        return id >= 0 && id < tokens.length ? tokens[id] : null;
    }

    int idBound() {
        return tokens.length;
    }

    /** Appends the ids of one pre-tokenized word. */
    void tokenize(String word, IntList out) {
        if (word.isEmpty()) return;
        if (options.ignoreMerges()) {
            Integer whole = vocab.get(word);
            if (whole != null) {
                out.add(whole);
                return;
            }
        }
        boolean cacheable = word.length() < CACHE_MAX_WORD;
        int[] ids = cacheable ? cache.get(word) : null;
        if (ids == null) {
            ids = merge(word);
            if (cacheable) {
                if (cache.size() >= CACHE_CAPACITY) cache.clear(); // crude bound; a miss only costs time
                cache.put(word, ids);
            }
        }
        out.addAll(ids);
    }

    private int[] merge(String word) {
        IntList symbols = initialSymbols(word);
        return new BpeWord(symbols.toArray()).mergeAll(merges);
    }

    /**
     * One symbol per character. The unknown token is added lazily and, with fuse_unk, once per
     * run of unknown characters; as in HF it is only written out when the next known character
     * (or the end) comes, so it follows any byte-fallback tokens met meanwhile.
     */
    private IntList initialSymbols(String word) {
        IntList symbols = new IntList(word.length());
        int pendingUnk = -1;
        int length = word.length();
        for (int i = 0; i < length; ) {
            int cp = word.codePointAt(i);
            int next = i + Character.charCount(cp);
            String piece = word.substring(i, next);
            if (i > 0 && options.continuingSubwordPrefix() != null) piece = options.continuingSubwordPrefix() + piece;
            if (next == length && options.endOfWordSuffix() != null) piece = piece + options.endOfWordSuffix();
            i = next;

            Integer id = vocab.get(piece);
            if (id != null) {
                if (pendingUnk >= 0) {
                    symbols.add(pendingUnk);
                    pendingUnk = -1;
                }
                symbols.add(id);
                continue;
            }
            if (options.byteFallback() && addBytes(piece, symbols)) continue;
            if (options.unkToken() != null) {
                if (pendingUnk >= 0 && !options.fuseUnk()) symbols.add(pendingUnk);
                pendingUnk = unkId();
            }
        }
        if (pendingUnk >= 0) symbols.add(pendingUnk);
        return symbols;
    }

    /** Adds a "<0xNN>" token per UTF-8 byte, or nothing (false) when one of them is missing. */
    private boolean addBytes(String piece, IntList symbols) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            if (byteIds[b & 0xFF] < 0) return false;
        }
        for (byte b : bytes) symbols.add(byteIds[b & 0xFF]);
        return true;
    }

    /** The loader has checked that the unknown token is in the vocabulary. */
    private int unkId() {
        return vocab.get(options.unkToken());
    }
}
