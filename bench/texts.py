"""Post texts and people's names written for this benchmark, and the texts composed from them."""

from __future__ import annotations

import random

SENTENCES = {
    "en": [
        "When our workshop closed, we moved the theory lessons to a messaging group and kept "
        "the practical tasks for small groups that met outdoors.",
        "Apprentices without a laptop were the first to drop out, so we lent them old tablets "
        "and paid for their mobile data.",
        "Short clips recorded on a phone worked better than long lectures: learners watched "
        "them on the bus and came back with questions.",
        "Employers agreed to keep apprentices on site once we helped them write a simple "
        "safety plan.",
        "Assessment was the hardest part, and in the end we filmed each learner doing the task "
        "and graded the recordings as a panel.",
        "In rural districts a weekly radio programme reached more trainees than any online "
        "platform.",
        "Trainers needed support as well: most had never taught at a distance and felt alone.",
        "A five-minute phone call with every apprentice each week did more for motivation than "
        "any new tool.",
        "Simulation software helped with electrical wiring, but nothing replaced practice with "
        "real tools.",
        "Unions and employers agreed that apprentices could make up their workplace hours later "
        "in the year.",
        "Learners caring for children at home could not follow fixed timetables, so every "
        "session was recorded.",
        "A certificate earned during the crisis must be worth as much as any other, or learners "
        "pay twice for the emergency.",
        "A shared digital logbook let workplace tutors and teachers follow each apprentice from "
        "different places.",
        "Next time we would train the trainers before the crisis, not in the middle of it.",
    ],
    "es": [
        "Cuando cerró el taller, pasamos la teoría a un grupo de mensajería y dejamos las "
        "prácticas para grupos pequeños al aire libre.",
        "Los aprendices sin ordenador fueron los primeros en abandonar, así que les prestamos "
        "tabletas usadas y pagamos sus datos móviles.",
        "Los vídeos cortos grabados con el teléfono funcionaron mejor que las clases largas.",
        "Las empresas aceptaron mantener a los aprendices cuando les ayudamos a preparar un plan "
        "de seguridad sencillo.",
        "La evaluación fue lo más difícil: grabamos a cada alumno realizando la tarea y un "
        "tribunal calificó los vídeos.",
        "En las zonas rurales, un programa de radio semanal llegó a más alumnos que cualquier "
        "plataforma en línea.",
        "El profesorado también necesitaba apoyo, porque casi nadie había enseñado a distancia.",
        "Una llamada breve cada semana a cada aprendiz sostuvo la motivación mejor que "
        "cualquier herramienta nueva.",
        "Los simuladores sirvieron para la instalación eléctrica, pero no sustituyen la práctica "
        "con herramientas reales.",
        "Sindicatos y empresas acordaron que las horas en la empresa se podrían recuperar más "
        "adelante.",
        "Quienes cuidaban a sus hijos en casa no podían seguir un horario fijo, por eso "
        "grabamos todas las sesiones.",
        "Un título obtenido durante la crisis debe valer lo mismo que cualquier otro.",
        "Un cuaderno digital compartido permitió a tutores y docentes seguir a cada aprendiz "
        "desde lugares distintos.",
    ],
    "fr": [
        "Quand l'atelier a fermé, nous avons mis la théorie sur une messagerie et gardé la "
        "pratique pour de petits groupes en plein air.",
        "Les apprentis sans ordinateur ont décroché les premiers ; nous leur avons prêté des "
        "tablettes et payé leurs données mobiles.",
        "De courtes vidéos tournées au téléphone ont mieux marché que les longs cours.",
        "Les entreprises ont accepté de garder les apprentis une fois un plan de sécurité simple "
        "rédigé avec elles.",
        "L'évaluation a été le plus difficile : chaque apprenant a été filmé pendant la tâche, "
        "puis un jury a noté les vidéos.",
        "Dans les zones rurales, une émission de radio hebdomadaire a touché plus de stagiaires "
        "qu'aucune plateforme en ligne.",
        "Les formateurs avaient eux aussi besoin de soutien : peu avaient déjà enseigné à "
        "distance.",
        "Un appel de cinq minutes par semaine à chaque apprenti a soutenu la motivation.",
        "Les simulateurs ont aidé pour le câblage électrique, mais rien ne remplace les vrais "
        "outils.",
        "Syndicats et employeurs ont convenu que les heures en entreprise pourraient être "
        "rattrapées plus tard.",
        "Les parents de jeunes enfants ne pouvaient pas suivre d'horaires fixes : toutes les "
        "séances étaient enregistrées.",
        "Un diplôme obtenu pendant la crise doit valoir autant que les autres.",
        "Un carnet de suivi numérique partagé a permis aux tuteurs et aux enseignants de suivre "
        "chaque apprenti à distance.",
    ],
}
LIST_INTROS = {
    "en": "What helped most:",
    "es": "Lo que más ayudó:",
    "fr": "Ce qui a le plus aidé :",
}
LIST_ITEMS = {
    "en": [
        "loaned devices",
        "paid mobile data",
        "recorded sessions",
        "weekly calls",
        "a shared logbook",
        "outdoor practice in small groups",
    ],
    "es": [
        "dispositivos prestados",
        "datos móviles pagados",
        "sesiones grabadas",
        "llamadas semanales",
        "un cuaderno compartido",
        "prácticas al aire libre",
    ],
    "fr": [
        "des appareils prêtés",
        "des données mobiles payées",
        "des séances enregistrées",
        "des appels hebdomadaires",
        "un carnet partagé",
        "la pratique en plein air",
    ],
}
LINK_LINES = {
    "en": "We wrote the approach up here: https://example.org/notes/remote-apprenticeships",
    "es": "Lo describimos en esta nota: https://example.org/notas/aprendices-a-distancia",
    "fr": "Nous l'avons décrit ici : https://example.org/notes/apprentissage-a-distance",
}
REPLY_OPENERS = {
    "en": [
        "I agree with this.",
        "Thank you for sharing this example.",
        "We saw the opposite in our centre.",
        "Did the employers cover the cost?",
    ],
    "es": [
        "Estoy de acuerdo.",
        "Gracias por compartir este ejemplo.",
        "En nuestro centro vimos lo contrario.",
        "¿Las empresas asumieron el coste?",
    ],
    "fr": [
        "Je suis d'accord.",
        "Merci pour cet exemple.",
        "Nous avons constaté l'inverse dans notre centre.",
        "Les employeurs ont-ils payé ?",
    ],
}
LANGUAGE_WEIGHTS = {"en": 5, "es": 3, "fr": 2}
TEXTS_PER_LANGUAGE = 80  # distinct texts per language and kind (root or reply)

FIRST_NAMES = [
    "Amina",
    "Bruno",
    "Chen",
    "Dolores",
    "Emeka",
    "Fatou",
    "Gustavo",
    "Hana",
    "Ivan",
    "Jaya",
    "Kofi",
    "Léa",
    "Mateo",
    "Nadia",
    "Omar",
    "Paula",
    "Ravi",
]
SURNAMES = [
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Quispe",
    "Tanaka",
    "Haddad",
    "Nkosi",
    "Rossi",
    "Santos",
    "Dubois",
    "Kowalski",
    "Mwangi",
    "Varga",
    "Castillo",
    "Berger",
]
ORGANISATIONS = [
    "Northern Trades College",
    "Metalworkers' Union",
    "Regional Chamber of Crafts",
    "Ministry of Labour",
    "Open Skills Institute",
    "Coastal Builders Ltd",
    "",
]
COUNTRIES = ["PE", "FR", "ES", "KE", "SN", "IN", "DE", "BR", "PH", "CA", "MA", "IT"]


def compose_text(rng: random.Random, language: str, reply: bool) -> str:
    """Combine a few sentences into one or two paragraphs, sometimes with a list or a link."""
    sentences = rng.sample(SENTENCES[language], rng.randint(1, 3) if reply else rng.randint(2, 5))
    if reply and rng.random() < 0.6:
        sentences.insert(0, rng.choice(REPLY_OPENERS[language]))
    if len(sentences) > 2 and rng.random() < 0.3:
        sentences[1] = f"**{sentences[1]}**"
    cut = rng.randint(1, len(sentences))
    paragraphs = [" ".join(sentences[:cut]), " ".join(sentences[cut:])]
    if rng.random() < 0.15:
        items = rng.sample(LIST_ITEMS[language], 3)
        paragraphs.append(LIST_INTROS[language] + "\n\n" + "\n".join(f"- {i}" for i in items))
    if rng.random() < 0.1:
        paragraphs.append(LINK_LINES[language])
    return "\n\n".join(p for p in paragraphs if p)


def text_pool(seed: int) -> dict[tuple[str, bool], list[str]]:
    """Distinct texts per (language, is_reply), fixed by `seed`."""
    rng = random.Random(seed)
    pool: dict[tuple[str, bool], list[str]] = {}
    for language in SENTENCES:
        for reply in (False, True):
            texts = {compose_text(rng, language, reply) for _ in range(TEXTS_PER_LANGUAGE)}
            pool[(language, reply)] = sorted(texts)
    return pool
