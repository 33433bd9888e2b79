"""Tiny CogVideoX pipelines built offline: the real diffusers and transformers classes from small configs,
random weights (``torch.manual_seed(0)``), and a T5 tokenizer trained with ``tokenizers`` on the catalog's
prompts, saved with ``save_pretrained`` exactly as released weights are laid out. The loading code then
runs its real path (``from_pretrained(local_dir)``) on a CPU in seconds, with no download.

Each family keeps the config fields that tell the families apart (rotary embeddings for 5B, learned
positional embeddings for 5B-I2V, ``patch_size_t`` for 1.5, doubled input channels for image and
control conditioning), so family detection works on tiny and released models alike.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fitcontent.generation.models import Family

log = logging.getLogger(__name__)
LATENT_CHANNELS = 4
TEXT_DIM = 32
VOCAB_SIZE = 600


def train_tokenizer(texts: list[str], max_length: int):
    """A small Unigram model wrapped as a T5 fast tokenizer (pad, eos, unk as T5 has them, no sentinels)."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from tokenizers.processors import TemplateProcessing
    from transformers import T5TokenizerFast  # type: ignore[attr-defined]  # v5: a lazy alias, not in the stubs

    tokenizer = Tokenizer(models.Unigram())
    tokenizer.normalizer = normalizers.NFKC()
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    trainer = trainers.UnigramTrainer(vocab_size=VOCAB_SIZE, special_tokens=["<pad>", "</s>", "<unk>"],
                                      unk_token="<unk>")
    tokenizer.train_from_iterator(texts, trainer)
    tokenizer.post_processor = TemplateProcessing(single="$A </s>", pair="$A </s> $B </s>",
                                                  special_tokens=[("</s>", tokenizer.token_to_id("</s>"))])
    return T5TokenizerFast(tokenizer_object=tokenizer, pad_token="<pad>", eos_token="</s>", unk_token="<unk>",
                           extra_ids=0, model_max_length=max_length)


def make_tiny(fam: Family, directory: Path, corpus: list[str]) -> Path:
    """Build family ``fam`` tiny and save it into ``directory`` (a complete diffusers pipeline folder); its
    T5 tokenizer is trained on ``corpus`` (``fitcontent.api.prompt_corpus()``: every prompt of the catalog)."""
    import diffusers
    import torch
    from transformers import T5Config, T5EncoderModel

    tokenizer = train_tokenizer(corpus, fam.token_limit)
    is_15 = fam.name.startswith("cogvideox1.5")
    conditioned = fam.task in ("i2v", "pose")
    torch.manual_seed(0)
    transformer = diffusers.CogVideoXTransformer3DModel(
        num_attention_heads=2, attention_head_dim=16, in_channels=LATENT_CHANNELS * (2 if conditioned else 1),
        out_channels=LATENT_CHANNELS, time_embed_dim=8, text_embed_dim=TEXT_DIM, num_layers=1,
        sample_width=fam.width // 8, sample_height=fam.height // 8, sample_frames=fam.legal_frames[-1],
        patch_size=2, patch_size_t=2 if is_15 else None, patch_bias=not is_15,
        temporal_compression_ratio=4, max_text_seq_length=fam.token_limit,
        use_rotary_positional_embeddings=fam.name != "cogvideox-2b",
        use_learned_positional_embeddings=fam.name == "cogvideox-5b-i2v",
        ofs_embed_dim=8 if fam.name == "cogvideox1.5-5b-i2v" else None,
    )
    torch.manual_seed(0)
    vae = diffusers.AutoencoderKLCogVideoX(
        in_channels=3, out_channels=3, down_block_types=("CogVideoXDownBlock3D",) * 4,
        up_block_types=("CogVideoXUpBlock3D",) * 4, block_out_channels=(8, 8, 8, 8),
        latent_channels=LATENT_CHANNELS, layers_per_block=1, norm_num_groups=2, temporal_compression_ratio=4,
    )
    torch.manual_seed(0)
    text_encoder = T5EncoderModel(T5Config(vocab_size=len(tokenizer), d_model=TEXT_DIM, d_ff=64, d_kv=16,
                                           num_layers=1, num_heads=2, relative_attention_num_buckets=8))
    scheduler = getattr(diffusers, fam.scheduler)(
        beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012, prediction_type="v_prediction",
        rescale_betas_zero_snr=True, set_alpha_to_one=True, clip_sample=False, timestep_spacing="trailing",
        snr_shift_scale=1.0 if fam.name == "cogvideox-2b" else 3.0,
    )
    pipeline = getattr(diffusers, fam.pipeline)(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae,
                                                transformer=transformer, scheduler=scheduler)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    pipeline.save_pretrained(directory)
    log.info("Saved a tiny %s (random weights) in %s", fam.name, directory)
    return directory
