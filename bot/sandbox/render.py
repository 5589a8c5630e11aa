"""Block Kit and mrkdwn to HTML for the sandbox page: what Slack would show, escaped, with real <button>s."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping

from bot.core.jsonvalue import dig, items, obj, text

Block = Mapping[str, object]  # a Block Kit block or element, read (as Slack would) only for what it shows
Names = Mapping[str, str]

EMOJI = {
    "warning": "⚠️",
    "grey_question": "❔",
    "question": "❓",
    "ticket": "🎫",
    "white_check_mark": "✅",
    "heavy_check_mark": "✔️",
    "x": "❌",
    "eyes": "👀",
    "rotating_light": "🚨",
    "hourglass": "⌛",
    "hourglass_flowing_sand": "⏳",
    "bell": "🔔",
    "red_circle": "🔴",
    "large_green_circle": "🟢",
    "large_orange_circle": "🟠",
    "tada": "🎉",
    "memo": "📝",
    "wave": "👋",
    "thumbsup": "👍",
    "+1": "👍",
    "fire": "🔥",
    "no_entry": "⛔",
    "lock": "🔒",
    "calendar": "📅",
    "package": "📦",
    "moneybag": "💰",
    "robot_face": "🤖",
}
_SAFE_URL = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)
_SPECIAL = re.compile(r"<([^<>\n]+)>")
_PRE = re.compile(r"```\n?(.*?)```", re.DOTALL)
_CODE = re.compile(r"`([^`\n]+)`")
_STYLES = (
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)\*(?![\w*])"), "b"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)_(?![\w_])"), "i"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)~(?![\w~])"), "s"),
)
_EMOJI = re.compile(r":([a-z0-9_+\-]+):")


def unescape(text: str) -> str:
    """Slack sends only &amp; &lt; &gt; as entities."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def emoji(text: str) -> str:
    return _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def plain(text: str) -> str:
    return emoji(html.escape(text)).replace("\n", "<br>")


def mrkdwn(text: str, names: Names | None = None) -> str:
    """Slack's mrkdwn: *bold*, _italic_, ~strike~, `code`, ```pre```, <url|text>, <@U…>, <#C…>, <!date^…|fallback>."""
    names = names or {}
    held: list[str] = []

    def hold(fragment: str) -> str:
        held.append(fragment)
        return f"\x00{len(held) - 1}\x00"

    text = _PRE.sub(lambda m: hold(f"<pre>{html.escape(unescape(m.group(1)))}</pre>"), text)
    text = _CODE.sub(lambda m: hold(f"<code>{html.escape(unescape(m.group(1)))}</code>"), text)
    text = _SPECIAL.sub(lambda m: hold(_special(m.group(1), names)), text)
    out = html.escape(unescape(text), quote=False)
    for pattern, tag in _STYLES:
        out = pattern.sub(rf"<{tag}>\1</{tag}>", out)
    out = emoji(out).replace("\n", "<br>")
    for _ in range(2):  # a held fragment never holds another, but a style may wrap a placeholder
        out = re.sub(r"\x00(\d+)\x00", lambda m: held[int(m.group(1))], out)
    return out


def _special(inner: str, names: Names) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        user = target[1:]
        return f'<span class="mention">@{html.escape(names.get(user, label or user))}</span>'
    if target.startswith("#"):
        return f'<span class="mention">#{html.escape(label or names.get(target[1:], target[1:]))}</span>'
    if target.startswith("!date^"):
        _, ts, tokens, *_ = [*target.split("^"), "", ""]  # the page shows it in the reader's time, as Slack does
        shown = html.escape(unescape(label))
        return f'<time data-ts="{html.escape(ts)}" data-format="{html.escape(tokens)}">{shown}</time>'
    if target.startswith("!subteam^"):
        return f'<span class="mention">{html.escape(label or "@group")}</span>'
    if target.startswith("!"):
        return f'<span class="mention">@{html.escape(target[1:])}</span>'
    url = unescape(target)
    if not _SAFE_URL.match(url):
        return html.escape(unescape(label or target))
    shown = html.escape(unescape(label)) if label else html.escape(url)
    return f'<a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer">{shown}</a>'


def text_object(value: object, names: Names) -> str:
    if not value:
        return ""
    shown = obj(value)
    if shown.get("type") == "mrkdwn":
        return mrkdwn(str(shown.get("text", "")), names)
    return plain(str(shown.get("text", "")))


def button(element: Block, block_id: str) -> str:
    style = element.get("style")
    cls = "bk-button" + (f" {style}" if style in ("primary", "danger") else "")
    label = plain(text(dig(element, "text", "text")))
    if element.get("url"):
        url = str(element["url"])
        href = html.escape(url) if _SAFE_URL.match(url) else "#"
        return f'<a class="{cls}" href="{href}" target="_blank" rel="noopener noreferrer">{label}</a>'
    attrs = {
        "data-action-id": element.get("action_id", ""),
        "data-value": element.get("value", ""),
        "data-block-id": block_id,
    }
    data = " ".join(f'{k}="{html.escape(str(v))}"' for k, v in attrs.items())
    return f'<button type="button" class="{cls}" {data}>{label}</button>'


def element(value: object, block_id: str, names: Names) -> str:
    el = obj(value)
    kind = el.get("type")
    if kind == "button":
        return button(el, block_id)
    if kind == "image":
        return _image_link(el)
    if kind in ("mrkdwn", "plain_text"):
        return f"<span>{text_object(el, names)}</span>"
    return f'<span class="bk-unsupported">[{html.escape(str(kind))}]</span>'


def _image_link(el: Block) -> str:
    url = str(el.get("image_url", ""))
    alt = html.escape(str(el.get("alt_text", "image")))
    if not _SAFE_URL.match(url):
        return f"<span>{alt}</span>"
    return f'<a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer">🖼 {alt}</a>'


def _section(block: Block, names: Names) -> str:
    parts = []
    if block.get("text"):
        parts.append(f'<div class="bk-text">{text_object(block["text"], names)}</div>')
    if block.get("fields"):
        cells = "".join(f"<div>{text_object(f, names)}</div>" for f in items(block["fields"]))
        parts.append(f'<div class="bk-fields">{cells}</div>')
    if block.get("accessory"):
        accessory = element(block["accessory"], str(block.get("block_id", "")), names)
        parts.append(f'<div class="bk-accessory">{accessory}</div>')
    return f'<section class="bk-section">{"".join(parts)}</section>'


def _input(block: Block, names: Names) -> str:
    el = obj(block.get("element"))
    block_id, action_id = str(block.get("block_id", "")), str(el.get("action_id", ""))
    field_id = html.escape(f"in-{block_id}-{action_id}")
    label = text_object(block.get("label"), names) + ("" if block.get("optional") else " *")
    attrs = f'id="{field_id}" data-block-id="{html.escape(block_id)}" data-action-id="{html.escape(action_id)}"'
    max_length = el.get("max_length")
    if max_length and isinstance(max_length, int | float | str):
        attrs += f' maxlength="{int(max_length)}"'
    if not block.get("optional"):
        attrs += " required"
    value = html.escape(str(el.get("initial_value") or ""))
    if el.get("type") != "plain_text_input":
        control = f'<span class="bk-unsupported">[{html.escape(str(el.get("type")))}]</span>'
    elif el.get("multiline"):
        control = f"<textarea {attrs}>{value}</textarea>"
    else:
        control = f'<input type="text" {attrs} value="{value}">'
    return f'<div class="bk-input"><label for="{field_id}">{label}</label>{control}</div>'


def _actions(block: Block, names: Names) -> str:
    inner = "".join(element(e, str(block.get("block_id", "")), names) for e in items(block.get("elements")))
    return f'<div class="bk-actions">{inner}</div>'


def _context(block: Block, names: Names) -> str:
    return f'<div class="bk-context">{"".join(element(e, "", names) for e in items(block.get("elements")))}</div>'


def _rich_text(block: Block, names: Names) -> str:
    def walk(node: object) -> str:
        if isinstance(node, dict):
            if node.get("type") == "text":
                return html.escape(str(node.get("text", "")))
            if node.get("type") == "user":
                return f'<span class="mention">@{html.escape(names.get(node.get("user_id", ""), "user"))}</span>'
            return "".join(walk(child) for child in node.get("elements", []))
        return ""

    return f'<div class="bk-text">{walk(block).replace(chr(10), "<br>")}</div>'


BLOCKS: dict[str, Callable[[Block, Names], str]] = {
    "header": lambda b, n: f'<h3 class="bk-header">{text_object(b.get("text"), n)}</h3>',
    "section": _section,
    "context": _context,
    "divider": lambda b, n: '<hr class="bk-divider">',
    "actions": _actions,
    "input": _input,
    "image": lambda b, n: f'<div class="bk-image">{_image_link(b)}</div>',
    "rich_text": _rich_text,
}


def blocks_html(blocks: object, names: Names | None = None) -> str:
    """A list of blocks as Slack shows them (anything else shows nothing)."""
    names = names or {}
    out = []
    for each in items(blocks):
        block = obj(each)
        render = BLOCKS.get(str(block.get("type")))
        out.append(render(block, names) if render else f'<div class="bk-unsupported">[{block.get("type")} block]</div>')
    return "".join(out)


def message_html(message: Mapping[str, object], names: Names | None = None) -> str:
    """The body of one message: its blocks when it has any (Slack then ignores `text`), else its text."""
    names = names or {}
    body = blocks_html(message["blocks"], names) if message.get("blocks") else mrkdwn(text(message.get("text")), names)
    for each in items(message.get("attachments")):
        attachment = obj(each)
        color = html.escape(str(attachment.get("color", "#ddd")))
        inner = blocks_html(attachment.get("blocks"), names) or mrkdwn(text(attachment.get("text")), names)
        body += f'<div class="bk-attachment" style="border-color:{color}">{inner}</div>'
    return body
