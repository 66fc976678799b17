"""Language detection: right answers among the candidates, or None when there is no telling."""

from __future__ import annotations

import itertools

import pytest

from forum.contributions.language import MAX_DETECTED_CHARS, detect_language, warm_up

ALL = ("en", "es", "fr")

# Written for these tests. Each language mixes one-liners, questions, a paragraph, text typed
# without accents, a URL, a Markdown link, emphasis, inline code, a quote and a list.
ENGLISH = [
    "Apprentices learn best on the shop floor.",
    "The internet connection in rural villages is too slow.",
    "Which skills will matter most for young carpenters after the crisis?",
    "Small firms need help to take on an apprentice during a recession.",
    "During the lockdown our welding course moved online within a week.",
    "Many trainees had no laptop at home, so they followed the lessons on their phones.",
    "Employers should pay apprentices a fair wage while they study for their certificate.",
    "When the colleges closed, the instructors recorded short videos of each practical task and "
    "posted them every morning. The students then tried the task at home with whatever tools "
    "they had and sent back photos. It was not the same as a real workshop, but it kept everyone "
    "motivated until the doors reopened.",
    "The ministry published its new guidance on remote assessment here: "
    "https://example.org/guidance/remote-assessment-2020 and I think it deserves a closer look.",
    "Practical skills *cannot* be assessed properly through a webcam, and **every** trainer I "
    "know agrees with that.",
    "> Online courses are cheaper to run.\n\nCheaper perhaps, but the drop-out rate among our "
    "first-year plumbers doubled last spring.",
    "Our learning platform kept crashing with `error 503` whenever two hundred students logged "
    "in at once, which made the evening classes almost impossible to follow.",
    "You can read the [full report on apprenticeship funding](https://example.org/report.pdf) "
    "before Friday's meeting.",
    "What we asked for:\n\n- more paid placements\n- a mentor in every company\n- help with "
    "bus fares",
]
SPANISH = [
    "Los aprendices aprenden mejor en el taller.",
    "La conexion a internet en los pueblos es muy lenta.",
    "Que habilidades seran mas importantes para los jovenes carpinteros despues de la crisis?",
    "Las pequeñas empresas necesitan apoyo para contratar aprendices durante la crisis.",
    "Durante la pandemia, el curso de electricidad pasó a ser totalmente en línea.",
    "Muchos alumnos no tenian computadora en casa y seguian las clases desde el celular.",
    "Las empresas deberían pagar un salario justo a los aprendices mientras estudian.",
    "Cuando cerraron los centros de formación profesional, los profesores grabaron vídeos "
    "cortos de cada práctica y los compartieron por la mañana. Los estudiantes intentaban "
    "repetir la tarea en casa con las herramientas que tenían y mandaban fotos al grupo. No era "
    "lo mismo que un taller de verdad, pero nos ayudó a no perder el ritmo.",
    "La formacion a distancia funciono mejor de lo que esperabamos, aunque los alumnos de "
    "mecanica echaban de menos las practicas con el motor real. Ahora queremos combinar las "
    "dos cosas.",
    "El ministerio publicó una guía sobre la evaluación a distancia en "
    "https://example.org/es/guia-evaluacion y creo que conviene leerla con calma.",
    "Las competencias prácticas *no se pueden* evaluar bien con una cámara web, y **todos** los "
    "tutores que conozco están de acuerdo.",
    "> Los cursos en linea son mas baratos.\n\nPuede ser, pero el abandono entre los alumnos de "
    "fontaneria se duplico este año.",
    "Os dejo el [calendario de practicas](https://example.org/es/calendario) por si alguien "
    "quiere apuntarse antes del viernes.",
    "Lo que pedimos:\n\n- mas horas de practicas pagadas\n- un tutor en cada empresa\n- ayuda "
    "para pagar el autobus",
]
FRENCH = [
    "Les apprentis apprennent mieux à l'atelier.",
    "La connexion internet dans les villages est trop lente.",
    "Quelles competences seront les plus utiles pour les jeunes menuisiers apres la crise ?",
    "Les petites entreprises ont besoin d'aide pour embaucher un apprenti pendant la crise.",
    "Pendant le confinement, notre formation en soudure est passée en ligne en une semaine.",
    "Beaucoup de stagiaires n'avaient pas d'ordinateur a la maison et suivaient les cours sur "
    "leur telephone.",
    "Les entreprises devraient verser un salaire correct aux apprentis pendant leur formation.",
    "Quand les centres de formation ont fermé, les formateurs ont filmé de courtes vidéos de "
    "chaque geste technique et les ont publiées chaque matin. Les élèves essayaient ensuite de "
    "refaire l'exercice chez eux avec les outils disponibles et envoyaient des photos. Ce "
    "n'était pas un vrai atelier, mais cela a gardé tout le monde motivé jusqu'à la réouverture.",
    "La formation a distance a mieux marche que prevu, meme si les apprentis en mecanique "
    "regrettaient les travaux pratiques sur un vrai moteur. Nous voulons maintenant melanger les "
    "deux approches.",
    "Le ministère a publié un guide sur l'évaluation à distance : "
    "https://example.org/fr/guide-evaluation et il mérite d'être lu attentivement.",
    "Les compétences pratiques *ne peuvent pas* être évaluées correctement par webcam, et "
    "**tous** les formateurs que je connais sont d'accord.",
    "> Les cours en ligne coutent moins cher.\n\nPeut-etre, mais l'abandon chez nos apprentis "
    "plombiers a double au printemps dernier.",
    "Le formulaire d'inscription plante des qu'on clique sur `Envoyer`, donc plusieurs jeunes "
    "n'ont pas pu s'inscrire a temps.",
    "Ce que nous demandons :\n\n* plus de stages remuneres\n* un tuteur dans chaque entreprise\n"
    "* une aide pour le materiel informatique",
]
SENTENCES = [
    pytest.param(language, text, id=f"{language}-{number}")
    for language, texts in (("en", ENGLISH), ("es", SPANISH), ("fr", FRENCH))
    for number, text in enumerate(texts, start=1)
]

# Replies this short sit at the edge of what character n-grams can tell: right or None.
SHORT_REPLIES = [
    ("en", "I fully agree"),
    ("en", "Thanks for sharing this"),
    ("en", "Good point about wages"),
    ("es", "Muy buena idea"),
    ("es", "Gracias por compartir"),
    ("es", "Estoy de acuerdo contigo"),
    ("fr", "Je suis d'accord"),
    ("fr", "Merci pour le partage"),
    ("fr", "Tout a fait d'accord"),
]

NOT_ENOUGH_PROSE = [
    "",
    "   \n\t ",
    "ok",
    "Hi there",
    "+1",
    "12345",
    "2020 2021 2022 3.5% 1,200 -7",
    "In 2020 we trained 1,200 apprentices; 2021: 950; 2022: 1,430 (+50%).",
    "| year | trainees |\n|---|---|\n| 2020 | 1200 |\n| 2021 | 950 |",
    "https://example.org/a/very/long/path/about/apprenticeships/and/training",
    "See https://example.org/guide and www.example.com/formacion",
    "`apprentices = load_trainees(region='north', year=2021)`",
    "```python\nfor apprentice in apprentices:\n    print(apprentice.name, apprentice.trade)\n```",
    "**Yes!!!**",
    "@maria @jean.dupont contact@example.org",
    "👍👍👍 🙏",
]

OTHER_LANGUAGES = [
    "Die Auszubildenden haben während der Krise von zu Hause aus gelernt.",
    "Durante la pandemia gli apprendisti hanno seguito le lezioni online.",
    "A formação profissional precisa de mais investimento público.",
    "Tijdens de crisis volgden de leerlingen hun lessen via internet.",
]


@pytest.mark.parametrize(("expected", "text"), SENTENCES)
def test_detects_the_language_among_three(expected: str, text: str) -> None:
    assert detect_language(text, ALL) == expected


@pytest.mark.parametrize(("expected", "text"), SHORT_REPLIES)
def test_short_replies_are_right_or_undecided(expected: str, text: str) -> None:
    assert detect_language(text, ALL) in (expected, None)


@pytest.mark.parametrize(("expected", "text"), SENTENCES)
def test_restricted_to_english_and_spanish_never_says_french(expected: str, text: str) -> None:
    result = detect_language(text, ("en", "es"))
    assert result != "fr"
    # French is none of the candidates, so "en" or "es" would be a guess: it says so instead.
    assert result == (None if expected == "fr" else expected)


@pytest.mark.parametrize("text", NOT_ENOUGH_PROSE)
def test_too_little_prose_is_undecided(text: str) -> None:
    assert detect_language(text, ALL) is None


@pytest.mark.parametrize(("expected", "text"), SENTENCES)
def test_a_single_candidate_is_returned_for_its_own_language(expected: str, text: str) -> None:
    assert detect_language(text, (expected,)) == expected


@pytest.mark.parametrize(("expected", "text"), SENTENCES)
def test_a_single_candidate_is_not_forced_on_other_languages(expected: str, text: str) -> None:
    for other in ALL:
        if other != expected:
            assert detect_language(text, (other,)) is None


@pytest.mark.parametrize("text", OTHER_LANGUAGES)
def test_text_in_none_of_the_candidates_is_undecided(text: str) -> None:
    assert detect_language(text, ALL) is None


def test_an_even_mix_of_two_candidates_is_undecided() -> None:
    assert detect_language("The apprentices, les apprentis, los aprendices.", ALL) is None


@pytest.mark.parametrize(("expected", "text"), SENTENCES)
def test_is_deterministic_whatever_the_order_and_other_calls(expected: str, text: str) -> None:
    results = set()
    for order in itertools.permutations(ALL):
        results.add(detect_language(text, order))
        detect_language(text, order[:2])  # a restricted set in between must not leak
        results.add(detect_language(text, [*order, order[0]]))
    assert results == {expected}


def test_unknown_or_missing_candidates_are_ignored() -> None:
    text = ENGLISH[4]
    assert detect_language(text, ()) is None
    assert detect_language(text, ("xx",)) is None
    assert detect_language(text, ("en", "xx")) == "en"


def test_code_and_links_do_not_outvote_the_prose() -> None:
    text = (
        "El script para exportar las notas de los aprendices falla desde ayer:\n\n"
        "```python\n"
        "def export_marks(trainees):\n"
        "    # write every trainee with their final mark and the workshop they attended\n"
        "    for trainee in trainees:\n"
        "        print(trainee.name, trainee.final_mark, trainee.workshop)\n"
        "```\n\n"
        "Los detalles estan en https://example.org/issues/the-export-is-broken-again"
    )
    assert detect_language(text, ALL) == "es"


def test_a_long_post_is_detected_from_its_beginning() -> None:
    text = " ".join(FRENCH) * (3 * MAX_DETECTED_CHARS // len(" ".join(FRENCH)) + 1)
    assert len(text) > 3 * MAX_DETECTED_CHARS
    assert detect_language(text, ALL) == "fr"


def test_warm_up_can_be_called_more_than_once() -> None:
    warm_up()
    warm_up()
    assert detect_language(SPANISH[4], ALL) == "es"
