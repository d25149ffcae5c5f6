"""The tiny world: a corpus, a BPE tokenizer and two small pretrained models, built offline."""
