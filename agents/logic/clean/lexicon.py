"""Word lists the clean stage matches text against: page furniture, section headings,
stop words, news agencies. English first, with the Russian and French a Caucasus news
stream also carries. Phrases are compared lowercase, without edge punctuation."""

from __future__ import annotations


def phrases(text: str) -> frozenset[str]:
    """Comma-separated phrases as a set."""
    return frozenset(p.strip() for p in text.split(",") if p.strip())


def words(text: str) -> frozenset[str]:
    """Whitespace-separated words as a set."""
    return frozenset(text.split())


# --- lines of page furniture, and headings of sections to drop with what they head ---------

FURNITURE_PHRASES = phrases("""
accessibility links, skip to content, skip to main content, skip to navigation, skip to search, jump to navigation,
menu, main menu, navigation, search, home, homepage, sign in, log in, login, register,
my account, subscribe, subscribe now, sign up, newsletter, newsletters, follow us, share, share this,
share this article, share this story, share this page, share on facebook, share on twitter, share via email,
facebook, twitter, telegram, vkontakte, whatsapp, linkedin, email, e-mail, print, print this page, tweet, like,
advertisement, advert, sponsored, sponsored content, continue reading, continue reading the main story,
back to top, top of page, next article, previous article, next, previous, next story, previous story,
older posts, newer posts, load more, show more, load more updates, live, live updates, key events,
show key events only, refresh, auto-update, image copyright, view gallery,
enlarge, close, toggle navigation, privacy policy, terms of use, terms of service, terms and conditions,
cookie policy, cookie settings, accept cookies, accept, contact, contact us, about, careers, advertise,
advertise with us, rss, sitemap, help, feedback, text size, font size, tags, topics, categories, filed under,
more, video, photos, gallery, watch, listen, audio, print edition, site map,
поделиться, подписаться, реклама, главная, версия для печати, наверх, все права защищены,
partager, s'abonner, publicité, accueil, imprimer, tous droits réservés
""")
BLURB_HEADINGS = phrases("""
about this blog, about the blog, about the author, about the authors, author bio, about us, об авторе,
à propos de l'auteur, à propos de ce blog
""")
LIST_HEADINGS = phrases("""
latest posts, recent posts, popular posts, related posts, related stories, related articles, related content,
related links, related coverage, related, read more, read also, more on this story, more stories, more news,
most read, most popular, most viewed, most shared, top stories, top news, you may also like,
you might also like, recommended, recommended for you, see also, also in the news, further reading, popular,
trending, trending now, latest news, latest stories, latest, editor's picks, don't miss, more to read,
читайте также, в тему, по теме,
последние новости, lire aussi, à lire aussi, sur le même sujet, les plus lus
""")
BANNERS = phrases("breaking news, breaking, just in, news alert, срочно, молния, alerte, dernière minute")
CAPTION_LABELS = phrases("image caption, media caption, caption, photo caption, подпись к фото, légende")
COMMENTS_HEADINGS = phrases("""
comments, comment, leave a comment, leave a reply, post a comment, add a comment, add your comment,
join the conversation, join the discussion, reader comments, discussion, show comments, view comments,
комментарии, обсуждение, commentaires, réactions
""")

# --- telling story from furniture and names from organisations ------------------------------------

STOPWORDS = words("""
the a an and or but of in on at to for from by with as is are was were be been has have had it its
that this these those he she they we his her their who which said says not no will would could after
before into over about than also there when while
и в во не что он она они на я с со как а то все по из за у от о для это был была были его её их
le la les de des du un une et en à au aux est sont a ont pour par sur dans que qui ne pas il elle ils
""")
ORGANISATION_WORDS = words("""
press news agency staff reporter reporters correspondent writer editor editors bureau desk service
online media times post monitor daily journal reuters interfax tass afp ap bbc team contributor
""")
NAME_PARTICLES = words("de van der von al el bin ibn la le du da dos ben abu")
AGENCIES = phrases("""
reuters, ap, afp, interfax, tass, itar-tass, ria novosti, ria, dpa, efe, ansa, xinhua, bloomberg, upi,
anadolu, associated press, agence france-presse, интерфакс, тасс, итар-тасс, риа новости, риа, ria.ru,
interfax.ru
""")

# --- dates and datelines --------------------------------------------------------------------------

WEEKDAYS = words("""
monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thurs fri sat sun
lundi mardi mercredi jeudi vendredi samedi dimanche
понедельник вторник среда среду четверг пятница пятницу суббота субботу воскресенье
""")
# Words a date line may carry besides the date itself.
DATE_LINE_WORDS = (
    words("""
published posted updated last modified first on at date time am pm le à mis jour publié publie
опубликовано обновлено в г года
""")
    | WEEKDAYS
)
# Capitalised words that open sentences, never datelines: "The NAC (National ...) - ..."
SENTENCE_OPENERS = words("The A An In On At For It He She They We This That There Police Officials")

# --- words broken across lines --------------------------------------------------------------------

# Left halves that usually begin a hyphenated compound rather than a word broken in two.
COMPOUND_PREFIXES = words("""
self well ex non counter anti pro co post pre so half cross all mid long short high low full semi multi
quasi vice ultra year one two three four five six seven eight nine ten first second third north south
east west far hard left right
""")
