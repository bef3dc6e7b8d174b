"""What each role of principle optimization is asked (the paper's Path B), as module constants.

Every role answers in one JSON object; anything else is a malformed output, recorded and skipped. Greetings and
requests inside a prompt are untrusted text: they sit in tagged blocks with their angle brackets neutralised
(``harness.judges.principle.escape_tags``), and no output is ever run.
"""

from __future__ import annotations

START_STRATEGIES = (
    "写一条放在任何场合都能用的泛泛祝福，看不出是写给这个请求的。",
    "用一个过时、老套的说法来表达祝福。",
    "忽略请求里的一个具体细节（对象、场合或用途）。",
    "写得很短，没有任何情感。",
    "用与场景不相称的语气（例如喜事用沉重语气，慰问用轻佻语气）。",
)
"""The Generator's starting strategy set S_G: five ways a greeting goes wrong (the paper's starting set)."""

GENERATOR_SYSTEM = "你是一名中文祝福语写手，正在帮助测试一个祝福语评审。"

GENERATOR_PROMPT = """请为下面的请求写一条有缺陷的祝福语。缺陷按照这个策略来制造：{strategy}
尽量让它乍看之下像一条好的祝福语，让评审不容易发现缺陷。

<request>{query}</request>

只输出一个 JSON 对象：{{"greeting": "祝福语", "flaw": "一句话说明缺陷在哪里"}}"""

DETECTOR_HINT_SYSTEM = "你是一名严格的中文祝福语评审。"

DETECTOR_HINT_PROMPT = """你识破了下面这条有缺陷的祝福语。它是按照策略“{strategy}”写的，缺陷是：{flaw}

<greeting>{greeting}</greeting>

请说明这个策略怎样改写才能把缺陷藏得更好、更难被发现。只输出一个 JSON 对象：{{"strategy": "改写后的一句话策略"}}"""

REFLECTOR_SYSTEM = "你是一名审阅评审规则的专家。"

REFLECTOR_PROMPT = """一个祝福语评审按下列准则判断祝福语好坏：
{rules}

它在下面这些有人工标签的例子上判错了：
{errors}

请提出修改准则的建议，让评审在这类例子上判对。只输出一个 JSON 对象：{{"suggestions": ["一条建议", "..."]}}"""

REFLECTOR_ERROR = """<example>
<request>{query}</request>
<greeting>{greeting}</greeting>
人工标签：{label}；评审判为：{verdict}
</example>"""

OPTIMIZER_SYSTEM = "你负责维护一套中文祝福语评审准则。"

OPTIMIZER_PROMPT = """当前准则：
{rules}

请把下面这条建议合并进准则：可以改写、合并或新增规则，但总数不能超过 {max_rules} 条，每条一句话。
建议：{suggestion}

只输出一个 JSON 对象：{{"rules": [{{"id": "英文小写短标识", "text": "规则"}}, ...]}}"""

GEPA_COMPONENT = "principles"
"""The name of the one text component GEPA evolves: the rule set, one rule a line."""
