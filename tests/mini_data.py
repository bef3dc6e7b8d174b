"""A small hand-made data folder in the paper's layout (``dataset/``), for trainer tests.

Not the paper's data: a dozen greetings written for the tests, with exact length facts for the RM test pairs.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

# (query, long good greeting, short bad greeting): the eval set, SFT rows and RM pairs are built from these.
GREETINGS = [
    ("妈妈生日祝福语", "亲爱的妈妈，生日快乐！愿您笑口常开，岁月温柔以待，我们永远爱您。", "妈妈生日快乐。"),
    ("给同事的新年祝福", "新年快乐！感谢这一年并肩作战，愿新的一年工作顺利，步步高升。", "新年快乐。"),
    ("朋友结婚祝福", "新婚快乐！愿你们白头偕老，永结同心，把每一天都过成最甜的模样。", "新婚快乐。"),
    ("孩子考试顺利", "祝你考试顺利，金榜题名！相信自己，每一分努力都会开花结果。", "考试加油。"),
    ("乔迁之喜祝福", "恭喜乔迁新居！愿新家宅平安，福气满门，日子越过越红火。", "乔迁快乐。"),
    ("退休祝福语", "退休愉快！感谢您多年的付出，愿您岁月静好，安享晚年，身体健康。", "退休快乐。"),
    ("中秋节祝福", "中秋快乐！愿月圆人圆，阖家团圆，幸福美满，心想事成。", "中秋快乐。"),
    ("早日康复祝福", "愿你早日康复，平安喜乐！我们都在等你回来，一起去看春天的花。", "早日康复。"),
    ("升职祝福语", "恭喜升职！你的努力大家有目共睹，愿前程似锦，事业更上一层楼。", "恭喜升职。"),
    ("宝宝满月祝福", "恭喜宝宝满月！愿小宝贝健康成长，平安喜乐，每天都被爱包围。", "满月快乐。"),
    ("老师节日祝福", "老师您辛苦了！感谢您的悉心教导，愿您桃李满天下，幸福安康。", "老师好。"),
    ("闺蜜生日祝福", "生日快乐，我的好闺蜜！愿你永远闪闪发光，被世界温柔以待。", "生日快乐。"),
]

OVER_LENGTH_TEXT = "祝你生日快乐，万事如意，心想事成，" * 40
"""A greeting far above the tests' max_length (256 tokens) in any tokenizer."""

# RM test pairs with exact length facts (characters): see test figures in test_reward.py.
RM_TEST_PAIRS = [
    # chosen clearly longer (6)
    *[(query, good, bad) for query, good, bad in GREETINGS[:6]],
    # chosen clearly shorter (2): not similar in length
    ("周末问候", "周末愉快。", "祝你周末愉快，好好休息，和家人一起享受阳光和美食，下周元气满满！"),
    ("端午祝福", "端午安康。", "端午安康！愿你粽享幸福，粽是开心，事事顺意，岁岁平安。"),
    # equal length (1): 9 characters each
    ("春节祝福", "春节快乐阖家幸福！", "新春大吉万事如意！"),
    # chosen longer by at most 10% (2)
    ("感谢祝福", "谢谢你一直以来的帮助与陪伴，祝你一切顺利！", "谢谢你一直以来的帮助，祝你一切都顺顺利利"),
    ("开业祝福", "祝开业大吉，生意兴隆，财源广进，宏图大展！", "祝开业大吉，生意兴隆，财源滚滚，好运常在"),
]


def write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def pair_record(query: str, chosen: str, rejected: str | None) -> dict:
    record: dict = {"conversations": [{"from": "human", "value": query}], "chosen": {"from": "gpt", "value": chosen}}
    if rejected is not None:
        record["rejected"] = {"from": "gpt", "value": rejected}
    return record


def build_data_dir(root: Path, *, bad_rows: bool = False) -> Path:
    """Write a small data folder in the paper's layout.

    Clean of malformed records (the harness' strict loaders read it in the closing evaluations) but with one
    identical pair in each RM file, one over-length RM training pair and one over-length SFT row. ``bad_rows``
    adds an RM training record without ``rejected`` and an SFT record without ``output``.
    """
    sft = [{"instruction": query, "input": "", "output": good} for query, good, _ in GREETINGS]
    sft.append({"instruction": "超长的祝福", "input": "", "output": OVER_LENGTH_TEXT})
    train = [pair_record(query, good, bad) for query, good, bad in GREETINGS]
    train.append(pair_record("相同的两边", "一模一样的祝福。", "一模一样的祝福。 "))  # identical after strip()
    train.append(pair_record("超长的祝福", OVER_LENGTH_TEXT, "生日快乐。"))
    if bad_rows:
        sft.append({"instruction": "没有输出", "input": ""})
        train.append(pair_record("没有被拒绝的一边", "只有被选中的祝福。", None))
    test = [pair_record(*pair) for pair in RM_TEST_PAIRS]
    test.append(pair_record("相同", "同样的话。", "同样的话。"))
    write_json(root / "sft" / "sft_data.json", sft)
    write_json(root / "reward_model" / "reward_data_train.json", train)
    write_json(root / "reward_model" / "reward_data_test.json", test)
    rows = [
        {"query": query + suffix, "response": response, "label": label}
        for suffix in ("", "（二）")
        for query, good, bad in GREETINGS
        for response, label in ((good, 1), (bad, 0))
    ]
    path = root / "evaluation_set" / "evaluate_data.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n", encoding="utf-8")
    for name, queries in (("train", GREETINGS[:6]), ("test", GREETINGS[6:])):
        prompts = [[{"content": f"请只生成一条祝福语：{query}", "role": "user"}] for query, _, _ in queries]
        (root / "grpo_data").mkdir(parents=True, exist_ok=True)
        pl.DataFrame({"prompt": prompts}).write_parquet(root / "grpo_data" / f"{name}.parquet")
    (root / "random_query.txt").write_text("\n".join(q for q, _, _ in GREETINGS) + "\n", encoding="utf-8")
    return root
