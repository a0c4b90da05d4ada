"""What counts as sensitive in an agency's notes, as data: one rule per way of saying it.

Patterns are regular expressions over the folded note (accents removed, case ignored: write "diabet",
it finds "Diabétique"); a group named `hit` is the excerpt, else the whole match. A rule fires only as a
sentence about a person:
- `not_before`: an exclusion looked for at the end of the clause before the hit ("tropique du" Cancer);
- `not_after`: an exclusion matched at the start of the clause after it ("enceinte médiévale");
- `needs`: context that must be found in the clause around it ("militant" for a party's acronym), or in its
  sentence with `needs_sentence` ("will be fasting, Ramadan starts during the trip");
- `negatable`: a negation just before or after cancels it ("pas d'allergie"); off where the negation is
  the sensitive part ("ne mange pas de porc", "ne voyage pas pendant shabbat");
- `partner`: "son mari" counts only of a man (the nearest gendered word before it, in its sentence).

Art. 9 categories, Art. 10 (CRIMINAL_OFFENCE) and the CNIL's third rule for comments (JUDGEMENT:
subjective, excessive or insulting remarks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict, Unpack

from models.enums import SensitiveCategory

# The categories are the API's SensitiveCategory values.
CATEGORIES: tuple[str, ...] = tuple(category.value for category in SensitiveCategory)
(
    HEALTH,
    RELIGION,
    POLITICAL_OPINION,
    TRADE_UNION,
    SEXUAL_ORIENTATION,
    ETHNIC_ORIGIN,
    GENETIC_BIOMETRIC,
    CRIMINAL_OFFENCE,
    JUDGEMENT,
) = CATEGORIES
# Art. 9 special categories: an explicit consent (Art. 9(2)(a)) covers them. Offences and judgements never.
ART_9 = frozenset(CATEGORIES) - {CRIMINAL_OFFENCE, JUDGEMENT}


@dataclass(frozen=True)
class Rule:
    categories: tuple[str, ...]
    pattern: str
    not_before: str | None = None
    not_after: str | None = None
    needs: str | None = None
    negatable: bool = True
    partner: str | None = None  # "male" or "female"
    needs_sentence: bool = False  # `needs` is looked for in the whole sentence, not only the clause


class RuleOptions(TypedDict, total=False):
    """Rule's optional fields, so that the type checker checks each rule's keywords."""

    not_before: str | None
    not_after: str | None
    needs: str | None
    negatable: bool
    partner: str | None
    needs_sentence: bool


def rule(categories: str | tuple[str, ...], pattern: str, **options: Unpack[RuleOptions]) -> Rule:
    return Rule((categories,) if isinstance(categories, str) else categories, pattern, **options)


# -- building blocks --------------------------------------------------------------------------------

# Organ stems of French inflammations; they compose ("spondylarthrite", "gastro-entérite").
ORGANS = (
    r"arthr|bronch|hepat|mening|gastr|enter|col|derm|sinus|tendin|ot|laryng|pharyng|conjonctiv|appendic|cyst"
    r"|pancreat|spondyl|encephal|myocard|pericard|phleb|nephr|thyroid|neur|gingiv|prostat|rhin|uve|kerat|oesophag"
    r"|diverticul|polyarthr|osteo|poly"
)

# What an agent may call awful that is not a person: the weather, a flight, a queue.
THINGS_JUDGED = (
    r"(?:hiver|climat|winter|climate|conditions|montee|epreuve|erreur|faute|mensonge|oubli|odeur|bruit"
    r"|surprise|experience|vol|vols|sejour|trajet|transfert|escale|attente|route|nuit|journee|retour|aller|flight"
    r"|trip|c'est|c'etait|ca a ete|situation|chaleur|heat|noise|retard|delay|meteo|temps|weather|chambre|hotel"
    r"|room|voyage|infection|marketing|pricing|tarif|soleil|sun|marche|file|queue|hiking|climb|journey|traffic"
    r"|strike|greve|airport|aeroport|connection|correspondance|check-in|security|immigration|transfer)\b[^.]{0,30}"
)

BODY_FR = (
    r"jambes?|bras|chevilles?|poignets?|hanches?|pieds?|genoux|genou|cotes?|epaules?|mains?|doigts?|orteils?|nez"
    r"|dos|clavicules?|coudes?|tibias?|femurs?|bassin|vertebres?|menisques?|ligaments?|tendons?"
)
BODY_EN = (
    r"legs?|arms?|ankles?|wrists?|hips?|feet|foot|knees?|ribs?|shoulders?|hands?|fingers?|toes?|nose|back|collarbone"
    r"|elbows?|pelvis|neck|spine|ligaments?|achilles"
)

# Someone the note talks about (no titles: "Mme Noir" is a name, not a description).
PERSON = (
    r"(?:client|cliente|clients|clientes|customer|il|elle|he|she|homme|femme|man|woman|lady|guy|dame|monsieur|madame|"
    r"mari|epouse|husband|wife|fils|fille|son|daughter|enfant|kid|child|pere|mere|father|mother|personne|person|"
    r"passager|passagere|passenger|voyageur|voyageuse|traveller|traveler|type|mec|nana|bonhomme|gars|famille|family|"
    r"je|i|nous|we)"
)
IS = r"(?:\s+(?:est|etait|sont|semble|parait|reste|is|was|are|seems|looks|can be|a l'air|suis|sommes|am)|'(?:m|s|re))?"
SO = (
    r"(?:\s+(?:tres|vraiment|un peu|plutot|super|trop|completement|totalement|assez|hyper|tellement|particulierement|"
    r"extremement|really|very|quite|so|totally|extremely|such|a bit|a little|pretty|rather|un|une|a|an|vrai|vraie|"
    r"sacre|sacree|real|total|complete))*"
)
# Places, history and culture: a religion or an ideology named about them is tourism, not the person.
CULTURE = (
    r"(?:quartier|quarter|musee|museum|cimetiere|cemetery|heritage|patrimoine|histoire|history|art|arts|architecture|"
    r"monuments?|memorial|sites?|tours?|visites?|visits?|ghetto|district|temples?|mosquees?|mosques?|eglises?|churches|"
    r"church|cathedrales?|cathedrals?|monasteres?|monastery|monasteries|synagogues?|basiliques?|chapelles?|fetes?|"
    r"festivals?|holidays?|calendrier|monde|world|villes?|city|centre|center|culture|culturel\w*|cuisine|food|"
    r"restaurants?|traditions?|communaute|community|pelerinage|pilgrimage|circuits?|sanctuaires?|shrines?|lieux?|"
    r"places?|pays|country|empire|epoque|era|periode|period|regime|bloc|moines?|monks?|edifices?|ruines?|ruins|"
    r"republique|republic|camps?|occupation|sacre|batiments?|buildings?|voyages?|trips?|sejours?|tourisme|tourism|"
    r"ceremonies?|musique|music|chants?|celebrations?|mariages?|wedding|rites?|spiritualite|paques|noel|easter"
    r"|choirs?|chorales?|choeurs?|concerts?|gospel|tabernacle|films?|movies?|documentar\w+|livres?|books?|novels?"
    r"|romans?|series|universit\w*|schools?|ecoles?|colleges?|lycees?|charit\w*|institut\w*"
    r"|christmas|calendar|villages?|icones?|icons?)"
)
_CULTURE_BEFORE = rf"{CULTURE}(?:\s+\S+){{0,3}}"
_CULTURE_AFTER = rf"\s*(?:\S+\s+)?{CULTURE}\b"

NEG_DIET = (
    r"(?:pas de|sans|no|ni|aucun|never eats|doesn't eat|does not eat|don't eat|do not eat|"
    r"ne (?:mange|mangent|consomme|consomment|boit) (?:pas|jamais|plus) (?:de|du|d'))"
)

PARTY = (
    r"(?:la france insoumise|france insoumise|lfi|rassemblement national|front national|parti socialiste"
    r"|(?:les |des )?republicains|eelv|les verts|europe ecologie|pcf|parti communiste|npa|lutte ouvriere|reconquete"
    r"|modem|en marche|lrem|debout la france|labour(?: party)?|tories|tory|conservative party|lib ?dems?"
    r"|liberal democrats|ukip|reform uk|green party|republican party|gop|democratic party|democrats|republicans|afd"
    r"|podemos|renaissance|horizons)"
)
# Two or three capitals are also a road (RN 7), a postscript (PS) or a club: only right after a word of membership.
PARTY_ACRONYM = r"(?-i:RN|PS|LR|FN|UDI)"
PARTY_MEMBER = (
    r"(?:milit\w*|membre\w*|adherent\w*|encarte\w*|sympathisant\w*|electeur\w*|electrice\w*|elu\w*|candidat\w*"
    r"|depute\w*|senat\w*|conseill\w*|vot\w*|proche|soutien\w*|cadre\w*|tete de liste)"
)
PARTY_CUE = (
    r"(?:milit\w*|membre\w*|members?|adherent\w*|encarte\w*|sympathisant\w*|electeur\w*|electrice\w*|vot\w*|"
    r"staunch|lifelong|diehard|convaincu\w*|fervent\w*|"
    r"elu\w*|candidat\w*|candidate|depute\w*|senat\w*|conseill\w*|soutien\w*|supporter\w*|supports|proche|"
    r"activist\w*|activiste\w*|engage\w*|cadre\w*|responsable\w*|secretaire\w*|delegue\w*|tete de liste|"
    r"card-carrying|carte|involved|implique\w*|actif|active)"
)
UNION_ORG = (
    r"(?:cgt|cfdt|cftc|cfe-cgc|unsa|fsu|snes|(?-i:FO|SUD|CGC|NUT|GMB|RMT|UAW|SEIU)|force ouvriere|sud[- ](?:rail|ptt"
    r"|sante|"
    r"education|aerien)|unison|unite the union|teamsters|afl-cio)"
)
UNION_CUE = (
    r"(?:delegue\w*|militant\w*|membre\w*|members?|adherent\w*|syndiqu\w*|syndical\w*|representant\w*|reps?|elu\w*|"
    r"encarte\w*|secretaire\w*|responsable\w*|carte|card|actif|active|steward|official"
    r"|(?:est|suis|sont|is) (?:a la|au|chez|in the|a)|adhere\w*|permanent|proche|union|syndicat|works? (?:full-time )?"
    r"for|working for|travaille (?:pour|au|a la|chez))"
)
ORIGIN_ADJ_STOP = (
    r"(?:controlee|protegee|inconnue|modeste|modestes|humble|sociale|geographique|date|prevue|de|du|des|la|le|les|en|"
    r"et|a|au)\b"
)
# "vol d'origine", "réservation d'origine": the original booking, not where someone comes from.
ORIGIN_THINGS = (
    r"(?:vol|vols|billet|billets|reservation|reservations|date|dates|tarif|tarifs|pays|ville|aeroport|produit|produits|"
    r"appellation|vin|vins|prix|dossier|horaire|horaires|itineraire|bagage|bagages|document|documents|langue|"
    r"destination|devis|contrat|facture|commande|hotel|trajet|programme|plan|label|certificat|version|lieu)"
)

# A health word about something else than the person: an event or a body on the subject ("congrès de
# diabétologie", "Diabetes UK walk"), an insurance product ("Illness & Injury cover", "maladie-rapatriement"),
# or an illness the agent says was a pretext ("en prétextant une maladie"), or what an insurance covers.
HEALTH_NOT_BEFORE = (
    r"(?:congres|conference|congress|colloque|symposium|seminaire|seminar|salon|convention|forum|gala|fundraising"
    r"|charity|fondation|foundation|federation|ligue|association|journee mondiale|world)(?:\s+(?:de la|du|de|des|d'|of"
    r"|on|sur|pour|for|the|la|le|l'))?\s*(?:\w+\s+)?"
    r"|(?:pretext\w*|pretend\w*|pretending|faking|fake|feign\w*|soi-disant|pretendue?s?|invente\w*|sous pretexte"
    r"|excuse of|excuse)(?:\s+\S+){0,3}"
    r"|(?:insurance|assurance|couverture|cover|covers|covered|couvre|couvert\w*|garantie|garantit|policy|polic)"
    r"(?:\s+\S+){0,3}"
)
HEALTH_NOT_AFTER = (
    r"\s*(?:&|and|et|/|-)?\s*(?:\w+\s+)?(?:cover|insurance|assurance|policy|policies|garantie|benefit|rapatriement"
    r"|repatriation|option)\b|\s*(?:congress|conference|congres|symposium|walk|run|charity|foundation|association)\b"
)
# What a place or an airline offers is information, not the person's practice ("Halal options are available on
# every flight", "Kosher meals can be ordered up to 48 hours before", "Shabbat elevator available").
RELIGION_NOT_AFTER = (
    r"\s*(?:\w+\s+){0,3}(?:available|disponibles?|offered|propose\w*|can be (?:ordered|requested|booked)"
    r"|peuvent etre (?:commande|demande|reserve)\w*|sur demande|on request|servi\w* (?:a bord|on board))"
)
# An animal's illness is not a person's ("the client's dog is diabetic").
HEALTH_NOT_BEFORE += r"|(?:dog|dogs|chien\w*|cat|cats|pet|pets|animal|animaux|horse|cheval)(?:'s)?(?:\s+\S+){0,2}"
CATEGORY_NOT_BEFORE = {HEALTH: HEALTH_NOT_BEFORE}
CATEGORY_NOT_AFTER = {HEALTH: HEALTH_NOT_AFTER, RELIGION: RELIGION_NOT_AFTER}

RULES: tuple[Rule, ...] = (
    # -- HEALTH: disability and reduced mobility ----------------------------------------------------
    rule(
        HEALTH,
        r"fauteuils? roulants?|chaises? roulantes?|wheel ?chairs?(?:[- ]bound| users?)?|fauteuils? (?:electrique"
        r"|manuel|pliant)s?",
        not_before=r"(?:hotel|property|resort|venue|museum|musee|site|bus|coach|ship|navire|has|have|offers|dispose"
        r"|propose)\w*(?:\s+\S+){0,3}",
    ),
    rule(
        HEALTH,
        r"(?:en|son|sa|leur|ses|besoin d'un|demande un|avec un|needs a|uses a) (?P<hit>fauteuil)",
        # An armchair in a room is not a wheelchair.
        not_after=r"\s*(?:d'|de |club|de massage|confortable|relax\w*|en cuir|dans la chambre|pour lire)",
    ),
    rule(
        HEALTH,
        r"wch[rsc]|wcbd|wcbw|wcmp|wclb|wcob|blnd|dpna|meda|medif|stcr|poxy|oxyg|svan|esan|dbml|gfml|nlml|lsml|blml"
        r"|lfml|prml|lpml|pmr",
        not_before=r"(?:hotel|acces|toilettes|wc|parking|places?|ascenseurs?|entree|rampe|normes?)\s+(?:avec |aux? )?",
    ),
    rule(HEALTH, r"deaf|sourde?s?", not_after=r"\s*(?:ears?|oreilles?)\b", not_before=r"(?:bruit|son|coup|fell on)"),
    rule(
        HEALTH,
        r"mobilite reduite|reduced mobility|limited mobility|mobility (?:issues?|problems?|impair\w*|aids?|scooter)",
    ),
    rule(HEALTH, r"(?:poly)?handicap\w*", not_after=r"\s*(?:de\s*)?\d", not_before=r"golf\b.*"),
    rule(
        HEALTH,
        r"disab\w+",
        not_before=r"(?:card|account|carte|compte|feature|option|button|cookies?)\s*(?:was|is|has been|a ete)?",
        not_after=r"\s*(?:the |your |my )?(?:account|card|feature|cookies)\b",
    ),
    rule(HEALTH, r"invalidite|carte d'invalidite|(?:para|tetra|quadri|hemi)plegi\w*|amput\w+|prothese\w*"),
    rule(HEALTH, r"(?:knee|hip) replacement|(?:remplacement|prothese) (?:de la hanche|du genou)"),
    rule(HEALTH, r"mal[- ]?voyant\w*|non[- ]?voyant\w*|aveugles?|canne blanche", not_before=r"a l'|rendez-vous"),
    rule(HEALTH, r"blind (?:in (?:one|both|his|her|the (?:left|right)) eyes?|since (?:birth|childhood))|legally blind"),
    rule(
        HEALTH,
        rf"{PERSON}{IS}{SO}\s+(?:legally |partially |totally )?(?P<hit>blind)(?!-)"
        r"|(?P<x>blind) (?:man|woman|client|customer|passenger|traveller|traveler|person|lady|gentleman|guest)",
    ),
    rule(
        HEALTH,
        r"mal-?entendant\w*|appareils? auditifs?|appareille\w*|hearing aids?|hard of hearing|hearing[- ]impair\w*"
        r"|langue des signes|sign language",
    ),
    rule(
        HEALTH,
        r"bequilles?|crutch(?:es)?|deambulateur|rollator|zimmer frame|walking (?:stick|frame|aid)"
        r"|(?:walks?|walking|uses?|with|marche|se deplace) (?:with |avec )?(?:a |an |une |un )(?:frame|walker|stick"
        r"|cane"
        r"|rollator|deambulateur|canne|bequille)",
    ),
    rule(HEALTH, r"(?:avec|a) (?:une|sa) canne", not_after=r"\s*a peche"),
    rule(HEALTH, r"(?:dans le|un|sous|en) platre|in a cast|(?:leg|arm) cast|platre (?:au|a la) \w+"),
    rule(HEALTH, r"fractur\w+|entorse\w*|sprain\w*", not_after=r"\s*(?:numerique|sociale|digitale)"),
    rule(
        HEALTH,
        rf"(?:jambe|bras|cheville|poignet|hanche|pied|genou|cote|epaule|main|doigt|orteil|nez|dos"
        rf"|clavicule)s? cassee?s?"
        rf"|broken (?:{BODY_EN})|(?:s'est |se )?(?:casse|cassee|fracture|fracturee|foule|fouler|luxe|luxee|tordu|tordue"
        rf"|blesse|blessee) (?:(?:le|la|l'|les|au|a la|a l'|aux) ?)(?:{BODY_FR})|(?:broke|broken|fractured|sprained"
        rf"|twisted|injured|hurt|dislocated) (?:his|her|their|a|the|my) (?:{BODY_EN})|blessee? (?:au|a la|a l'|aux) \w+"
        rf"|injur(?:y|ies|ed)|blessures?|tendinite|tendinitis|luxation|foulure|whiplash|commotion cerebrale|concussion",
    ),
    rule(
        HEALTH,
        r"auxiliaire de vie|aide[- ]soignant\w*|carer|caregiver|tierce personne|chiens? (?:guide|d'aveugle"
        r"|d'assistance)"
        r"|guide dogs?|service (?:dogs?|animals?)|emotional support (?:dog|animal)s?|assistance dogs?|leve-personne",
    ),
    rule(
        HEALTH,
        r"(?:chambre|room|cabine|cabin|salle de bain|bathroom|douche)s? (?:adaptee|accessible|handicape|pmr|adapted)s?"
        r"|accessible (?:room|bathroom|cabin)|roll-in shower",
        not_before=r"(?:dispose|propose|offre|has|have|offers|avec|with|compte)\w*\s+(?:de |des |d'|\d+ |an? |une? "
        r"|the )?",
    ),
    rule(
        HEALTH,
        r"autis\w*|asperger|trisomi\w*|down'?s? syndrome|handicap mental|dyslexi\w*|dyspraxi\w*|tdah|adhd|nanisme"
        r"|dwarfism|paralys\w*",
    ),
    # -- HEALTH: conditions and treatments -----------------------------------------------------------
    rule(HEALTH, r"diabet\w*|insulin\w*|insuline\w*|glycemi\w*|hypoglycemi\w*|hyperglycemi\w*"),
    rule(HEALTH, r"epilep\w*|asthm\w*|ventoline|inhalateur|inhaler|bronchite chronique|bpco|copd"),
    rule(HEALTH, r"cancer\w*", not_before=r"(?:tropique du|tropic of|signe du|signe|sign of the|sign)"),
    rule(
        HEALTH,
        r"tumeurs?|tumou?rs?|leucemi\w*|leukaemi\w*|leukemi\w*|lymphom\w*|chimio\w*|chemo\w*|radiotherap\w*"
        r"|radiation therapy|remission|metastas\w*|oncolog(?!ue|ist)\w*",
    ),
    rule(HEALTH, r"vih\+?|hiv\+?|sida|seropositi\w*|hepatite\s?[bc]?|hepatitis\s?[bc]?"),
    rule(
        HEALTH,
        r"dialys\w*|hemodialys\w*|insuffisan\w* (?:renale?|cardiaque|respiratoire|hepatique)|insuffisant cardiaque"
        r"|kidney (?:failure|disease|transplant)|renal failure|transplant\w*",
    ),
    rule(HEALTH, r"greff\w*", not_after=r"\s*du tribunal"),
    rule(
        HEALTH,
        r"pacemaker|stimulateur cardiaque|defibrillat\w*|cardiaque\w*|cardiac|infarctus|pontage|angine de poitrine"
        r"|heart (?:condition|problems?|disease|attack|surgery|failure|issues?|trouble|murmur|operation)",
    ),
    rule(HEALTH, r"avc|(?:had|has had|suffered|after|since) (?:a |his |her )?(?P<hit>stroke)|stroke (?:in|last)"),
    rule(
        HEALTH,
        r"hypertension|hypertendu\w*|high blood pressure|tension arterielle|cholesterol|alzheimer\w*|parkinson\w*"
        r"|demence|dementia|senile|senilite|sclerose en plaques|multiple sclerosis|myopathi\w*|mucoviscidose"
        r"|sclerose\w*|cystic fibrosis|muscular dystrophy|spina bifida|polio\w*|colitis|colite\w*|(?-i:IBS|TOC|RQTH"
        r"|AAH|MDPH|CMI)"
        r"|carte mobilite inclusion|immunodeprime\w*|immunocompromised|corticoides|cortisone|insomni\w*|hyperacti\w*"
        r"|glucometre|pompe a insuline|ulceres?|stress post-traumatique|ptsd|tspt|perte d'autonomie|ehpad"
        r"|special needs|(?:doctor's|medical) note|lettre (?:de son|du) medecin|letter from (?:his|her|their) doctor"
        r"|fit[- ]to[- ]fly|cecite|blindness|surdite|deafness|hearing loss|perte auditive|visually impaired"
        r"|partially sighted|visual impairment|deficien\w* (?:visuel|auditi|intellect|mental|motric)\w*"
        r"|coeur fragile|fragile du coeur|vertigo|handicap invisible|drepanocyt\w*|sickle cell"
        r"|ha?emophil\w*|ha?emorr\w*|ha?ematom\w*|o?edemas?|oedemes?|diarrho?ea|lupus|crohn|polyarthrite"
        r"|arthrose|arthrite|arthritis|rhumatism\w*|osteoporose|osteoporosis|fibromyalgi\w*|migrain\w*|endometriose"
        r"|endometriosis|thyroid\w*|anemi\w*|anaemi\w*|coeliaque|œliaque|celiac|coeliac|maladie de \w+",
    ),
    rule(HEALTH, r"c(?P<hit>œliaque)"),
    # "gâteux" says senile, and says it with contempt.
    rule((HEALTH, JUDGEMENT), r"gateu(?:x|se|ses)"),
    rule(HEALTH, r"depressi\w*", not_before=r"(?:tropical|tropicale)", not_after=r"\s*(?:tropicale|atmospherique)"),
    rule(
        HEALTH,
        r"burn[- ]?out|bipolaire|bipolar|schizophren\w*|psychiatri(?!st)\w*|suivi psy|psychotherap(?!eute|ist)\w*"
        r"|anorexi\w*"
        r"|boulimi\w*|bulimi\w*|eating disorder|troubles? (?:anxieux|psychiques?|psychologiques?|mentaux|mental"
        r"|autistiques?|du comportement|obsessionnels?)|crises? d'angoisse|crises? de panique|panic attacks?"
        r"|anxiety disorder|mental health|sante mentale|troubles? (?:cognitif|neurolog|psych|ment|anxi|autist|obsess"
        r"|bipol"
        r"|cardi|respir|digest|visu|audit|moteur|de la memoire|de l'equilibre|du langage|de la vue|de l'audition"
        r"|du sommeil|du comportement|alimentaire|musculo)\w*",
    ),
    rule(HEALTH, r"phobies?|claustrophob\w*|agoraphob\w*|aerophob\w*|acrophob\w*"),
    rule(HEALTH, r"alcoolique\w*|alcoolisme|alcoholi\w*|toxicoman\w*|drug addict\w*|addiction\w*|desintox\w*"),
    rule(HEALTH, r"mal des transports|mal de mer|motion sickness|seasick\w*|travel sickness|cinetose|vertiges?"),
    rule(HEALTH, r"obes\w*|surpoids|overweight"),
    rule(
        HEALTH,
        r"sous oxygene|bouteilles? d'oxygene|concentrateur\w*(?: d'oxygene)?|oxygen (?:tank|concentrator|bottle|supply)"
        r"|on oxygen|apnee du sommeil|sleep apn\w*|cpap|ppc|stomie|incontinen\w*|catheter|sonde urinaire",
    ),
    rule(HEALTH, r"allerg\w*|anaphyla\w*|epi-?pens?|auto-injecteur|stylo d'adrenaline"),
    rule(
        HEALTH,
        r"intoleran\w* (?:au|a la|aux|a|to)|lactose intoleran\w*|intolerant\w* (?:au|a|to)|intolerance\w*",
    ),
    rule(HEALTH, r"sans gluten|gluten[- ]free|sans lactose|lactose[- ]free", negatable=False),
    rule(
        HEALTH,
        r"regimes? (?:sans sel|diabetique|hyposode|medical|sans sucre|renal|sans residu)|low[- ]salt|salt[- ]free"
        r"|low[- ]sodium|sugar[- ]free diet",
    ),
    rule(
        HEALTH,
        r"raisons? (?:medicales?|de sante)|medical reasons?|certificats? medica\w*|medical certificate|dossier medical"
        r"|medical (?:condition|history|records?|equipment|device|file|needs?|clearance|form|treatment|issues?"
        r"|problems?|care)|materiel medical|equipement medical|avis medical|suivi medical|traitements? medica\w*"
        r"|soins (?:medicaux|infirmiers|palliatifs)|problemes? de sante|soucis de sante|health (?:issues?|problems?"
        r"|condition|reasons)|etat de sante|sante fragile|conditions? medicales?|medically",
    ),
    rule(
        HEALTH,
        r"medicaments?|medications?|meds|sous traitement|traitements? (?:lourds?|anticoagulants?|contre|pour (?:le|la"
        r"|l'"
        r"|son|sa|ses)|de fond|hormona\w*|antiretrovira\w*)|anticoagulant\w*|antidepresseur\w*|antidepressant\w*"
        r"|on (?:blood thinners|medication)",
    ),
    rule(
        HEALTH,
        r"hospitalis\w*|hospitaliz\w*|in hospital|(?:sorti\w*|sortie|sort) (?:de l'|d')hopital|out of hospital"
        r"|discharged from hospital|a l'hopital (?:depuis|pendant|la semaine|le mois)",
    ),
    rule(
        HEALTH,
        r"operee?s? (?:du|de la|des|d'un|d'une|recemment|il y a|le mois)|s'est fait operer|surgery|chirurgie"
        r"|chirurgical\w*"
        r"|operations? (?:du|de la|des|d'un|d'une|chirurgicale|au) (?:genou|hanche|coeur|cœur|dos|epaule|cheville"
        r"|oeil|yeux|cataracte|appendicite|poumon|rein|foie|colonne|ménisque|menisque|cancer|tumeur|pied|bras|jambe)",
    ),
    rule(
        HEALTH,
        r"convalesc\w*|recovering from|se remet (?:de|d')|reeducation|kine|kines|kinesitherap(?!eute)\w*"
        r"|physiotherap(?!ist)\w*"
        r"|physio|rehab\w*",
    ),
    rule(
        HEALTH,
        r"malades?|maladies?",
        not_before=r"(?:assurance|annulation|garantie|couverture|couvre|causes|insurance|cancellation|caisse)\b.*",
        not_after=r"\s*\(?(?:assurance|insurance)",
    ),
    rule(
        HEALTH,
        r"souffr\w* (?:de|d'|du|des)|suffer\w* from|atteinte? (?:de|d'|du)|diagnosed with|diagnostiqu\w*",
        not_after=r"\s*(?:la |the )?(?:chaleur|heat|decalage|jet lag|froid|cold|solitude|stress)",
    ),
    rule(
        HEALTH,
        r"(?:is|was|got|fell|been|feeling|falls) (?:very |really |quite )?(?P<hit>sick|ill)|sick leave|illness\w*"
        r"|ill health|(?:chronically|terminally|seriously) ill",
    ),
    rule(
        HEALTH,
        r"a eu le covid|covid long|long covid|positi\w* (?:au|a la) covid|tested positive|douleurs? (?:chroniques?"
        r"|au dos|lombaires|articulaires)|mal au dos|mal de dos|back (?:pain|problems?|issues?)|chronic pain"
        r"|lombalgie|sciatique|sciatica|hernies?(?: discales?)?|slipped disc",
    ),
    rule(HEALTH, r"ivg|avortement|abortion|fausse couche|miscarriage|menopause|groupe sanguin|blood type"),
    # -- HEALTH: pregnancy ---------------------------------------------------------------------------
    rule(
        HEALTH,
        r"enceintes?",
        not_before=r"(?:l'|une|les|des|d'une|cette|dans l'|cet|son|sa|leur|ses)",
        not_after=r"\s*(?:de la|du|des|de l'|medievale|fortifiee|romaine|bluetooth|connectee|portable|sonore"
        r"|acoustique|sans fil|jbl|audio|historique|gallo|de (?:la )?ville|du chateau|sacree)",
    ),
    rule(
        HEALTH,
        r"grossesses?|pregnan\w*|accouch\w*|conge maternite|maternity leave|future maman|futur bebe|en cloque"
        r"|attend(?:ent)? (?:un|des|son|leur|sa|notre) (?:\d+e |premier |deuxieme |second |troisieme )?"
        r"(?:bebe|enfant|heureux evenement|jumeaux)|terme prevu"
        r"|expecting (?:a baby|twins|a child|baby|(?:our|their|her|his) (?:first |second |third |\w+ )?(?:baby|child"
        r"|kid))|fiv|ivf|(?-i:PMA)",
    ),
    # -- RELIGION ------------------------------------------------------------------------------------
    rule(
        RELIGION,
        r"halal|hallal|casher|kasher|kascher|kosher|cashrout|kashrut|moml|ksml|hnml|jpml|vjml",
        # A place's offer or the agent's tip for a tour is information, not what the person eats.
        not_after=r"\s*(?:\w+\s+)?(?:disponibles?|available|propose\w*|offered|servi\w*|inclus\w*|a volonte"
        r"|recommand\w*|recommended|suggere\w*|suggested|conseille\w*|a tester|to try|for the group|pour le groupe"
        r"|au programme|in the programme|on the itinerary|food tours?|tours?|experiences?|cooking class\w*|ateliers?"
        r"|workshops?|markets?|marches?|festival\w*)",
        # ...and so is a question about what a place offers ("y a-t-il des restaurants halal ?").
        not_before=r"(?:recommand\w*|recommend\w*|suggest\w*|suggere\w*|conseill\w*|liste|list|adresses?|guide|cours"
        r"|class|classes|atelier|workshop|demonstration|degustation|tasting)(?:\s+\S+){0,3}|(?:y a-t-il|y-a-t-il"
        r"|il y a|are there|is there|existe-t-il|avez-vous|do you have|any)"
        r"\s+(?:des |de |d'|some |a |an |any )?(?:(?:restaurants?|boucheries?|shops?|magasins?|epiceries?"
        r"|options?)\s*)?",
    ),
    rule(
        RELIGION,
        r"cacheres?|cashere?s?|(?:repas|cuisine|nourriture|restaurants?|viande|vin|produits?|menus?|plats?|manger"
        r"|mange|mangent"
        r"|alimentation|traiteur|options?|boucherie)\s+(?P<hit>cacher)",
    ),
    rule(
        RELIGION,
        r"musulman\w*|muslim\w*|moslem\w*|juif|juive|juifs|juives|jewish|jews?|judaisme|judaism|israelite\w*"
        r"|catholique\w*|catholic\w*|protestant\w*|evangeli(?:que|ste|cal)\w*|chretien\w*|mormon\w*|bouddhiste\w*"
        r"|buddhist\w*|bouddhisme|buddhism|hindou\w*|hindu\w*|sikh\w*|jain\w*|jaina|adventiste\w*|baptiste\w*"
        r"|salafiste\w*|chiite\w*|sunnite\w*|shia|sunni|catho|cathos|feujs?|orthodoxe\w*|scientolog\w*",
        not_before=_CULTURE_BEFORE,
        not_after=_CULTURE_AFTER,
    ),
    rule(RELIGION, r"christian\w*", not_before=_CULTURE_BEFORE, not_after=rf"{_CULTURE_AFTER}|(?-i:\s+[A-Z])"),
    rule(
        RELIGION,
        r"temoins? de jehovah|jehovah'?s? witness\w*|jehovah|athee\w*|atheis\w*|atheist\w*|agnosti\w*|croyant\w*"
        r"|non[- ]croyant\w*|believer|devout|observant|pieux|pieuse|devote|de confession \w+",
    ),
    rule(RELIGION, r"pratiquant\w*", not_after=r"\s*(?:de|du|des|d'|regulier d)"),
    rule(RELIGION, r"religi\w*", not_before=_CULTURE_BEFORE, not_after=_CULTURE_AFTER),
    rule(RELIGION, r"(?:sa|his|her|leur|their) religion|(?:converti\w*|conversion) (?:a l'|to )islam|islam\w*"),
    rule(
        RELIGION,
        rf"{NEG_DIET}\s+(?P<hit>porc|pork|viande de porc|jambon|ham)|no pork|pork[- ]free|sans porc",
        negatable=False,
    ),
    rule(
        RELIGION,
        r"(?:fai\w*|font|observ\w*|respect\w*|pratiqu\w*|jeun\w*|fast\w*|keep\w*|suit|suivent|celebr\w*)"
        r"\s+(?:le |the |pendant le |during )?(?P<hit>ramadan|careme|yom kippour|yom kippur)",
        negatable=False,
    ),
    rule(
        RELIGION,
        r"shabbat|sabbat|sabbath|chabbat|chabbath|suhoor|sahur|iftar",
        negatable=False,
        not_before=r"(?:diner|soiree|animation|experience|visite|dinner|evening|tour)\s+(?:de |du |d'|au )?",
        not_after=r"\s*(?:dinner|diner|repas|meal|evening|soiree)s?\b.*\b(?:tour|circuit|programme|program|itinerary"
        r"|part of|fait partie)",
    ),
    rule(
        RELIGION,
        r"(?:fasting|jeune\w*|jeuner)\s+(?:for|pour|pendant|during)\s+(?:le |the )?(?P<hit>ramadan|careme|lent"
        r"|yom kippou?r)",
        negatable=False,
    ),
    rule(
        RELIGION,
        r"prieres?|prayers?|prier|pray(?:s|ing)?",
        not_before=rf"{_CULTURE_BEFORE}|moulins?|drapeaux?|je vous|nous vous",
        not_after=r"\s*(?:de |d'|flags?|wheels?|moulins?)",
    ),
    rule(
        RELIGION,
        r"(?:va|vont|aller|allait|goes|go|going) (?:a la |a l'|au |to (?:the )?)?(?:mosquee|synagogue|eglise|temple"
        r"|mosque"
        r"|church|messe|mass) (?:le |chaque |tous les |every |on )?(?:vendredi|samedi|dimanche|friday|saturday"
        r"|sunday)s?",
    ),
    rule(
        RELIGION,
        rf"{PERSON}{IS}{SO}\s+(?P<hit>pretre|imam|rabbin|pasteur|cure|diacre|moine|nonne|religieuse|priest|rabbi"
        r"|pastor|monk|nun|deacon|bonne soeur)",
    ),
    rule(
        RELIGION,
        r"prie (?:cinq|5) fois|to pray",
    ),
    rule(
        RELIGION,
        r"(?:porte|portent|wears?|wearing) (?:le |un |the |a )?(?:voile|foulard|headscarf|veil|turban)|voilee\w*"
        r"|hijab\w*|niqab\w*|burqa\w*|burka\w*|burkini\w*|kippa\w*|kippah|yarmulke|tchador|chador|foulard islamique",
    ),
    rule(
        RELIGION,
        r"qibla|(?:orient\w*|tourne\w*) vers la mecque|direction de la mecque"
        r"|(?:pelerinage|pilgrimage) (?:a|to) (?:la )?mec(?:que|ca)|hajj|hadj|omra|oumra|umrah",
    ),
    # A family's rite is the family's; a friend's or a colleague's is an invitation.
    rule(
        RELIGION,
        r"bar[- ]mitz?va\w*|bat[- ]mitz?va\w*|bar[- ]mitsva\w*|premiere communion|first communion",
        not_before=r"(?:friend|friends|ami|amie|amis|colleague|collegue|voisin\w*|neighbou?r|boss|patron)(?:'s|'|s)?"
        r"(?:\s+\S+){0,3}",
    ),
    rule(
        RELIGION,
        r"(?:assiste\w*|assister|aller|va|vont|attend\w*|go(?:es)? to|goes to) (?:a la |to )?(?:messe|mass)"
        r"|sunday mass|messe dominicale|messe (?:chaque|tous les|le) dimanche",
        # A programme's mass at a named church, "for those who wish", is the tour's.
        not_before=r"(?:includes?|including|inclu\w*|programme|program|itinerary|optional\w*|option\w*|tour\w*)"
        r"(?:\s+\S+){0,3}|(?:groupe|group|participants|passagers|guests|delegation|delegates|tous les clients"
        r"|everyone)(?:\s+\S+){0,4}",
        not_after=r"\s+(?:at|a|in|de|du|dans) (?:the |la |le |l')?(?-i:[A-Z])",
    ),
    # -- POLITICAL_OPINION ---------------------------------------------------------------------------
    rule(POLITICAL_OPINION, PARTY, needs=PARTY_CUE),
    rule(
        POLITICAL_OPINION,
        rf"{PARTY_MEMBER}(?:\s+\w+)?\s+(?:du |de la |des |de |au |a la |aux |chez (?:le |les )?|le |la )?"
        rf"(?P<hit>{PARTY_ACRONYM})(?!\s*\d)",
    ),
    rule(
        POLITICAL_OPINION,
        r"tory|tories|gaulliste\w*|frontiste\w*|engage\w* a (?:gauche|droite)|(?:son|sa|leur) parti(?! pris)"
        r"|insoumis\w*|extreme[- ](?:droite|gauche)|far[- ](?:right|left)|gauchiste\w*|facho\w*|fasciste\w*"
        r"|neo-?nazi\w*|communiste\w*|communist\w*|socialiste\w*|socialist\w*|anarchist\w*|anarchiste\w*|royaliste\w*"
        r"|monarchiste\w*|trotskiste\w*|marxiste\w*|maoiste\w*|lepeniste\w*|macroniste\w*|melenchoniste\w*"
        r"|zemmourien\w*|gilets? jaunes?|maga|pro-trump|anti-trump|trump supporter\w*|brexiteer\w*|remainer\w*"
        r"|left-wing\w*|right-wing\w*|leftist\w*|ecologiste\w*|zadiste\w*|antifa|independantiste\w*|separatiste\w*"
        r"|nationaliste\w*|sioniste\w*|zionist\w*|antisioniste\w*|pro-palestin\w*|pro-israel\w*|libertarian\w*"
        r"|activiste\w*|political activist\w*",
        not_before=_CULTURE_BEFORE,
        not_after=_CULTURE_AFTER,
    ),
    rule((POLITICAL_OPINION, JUDGEMENT), r"facho\w*|fasciste\w*", not_before=_CULTURE_BEFORE),
    rule(POLITICAL_OPINION, r"nazi\w*", not_before=_CULTURE_BEFORE, not_after=_CULTURE_AFTER),
    rule(
        POLITICAL_OPINION,
        r"(?:tres|plutot|franchement|resolument|politiquement|vot\w*|clairement|bien)\s+(?P<hit>a (?:gauche|droite))"
        r"|(?:est|sont|tres|plutot|client\w*|idees|opinions|politiquement|homme|femme|franchement|resolument"
        r"|vraiment|militant\w*|electeur\w*|electrice\w*|famille|couple)\s+(?P<x>de (?:gauche|droite))",
    ),
    rule(
        POLITICAL_OPINION,
        r"vot(?:e|es|ed|ing|era|erait|ait|ent)\s+(?:pour\s+|for\s+)(?P<hit>\w+(?:\s+(?-i:[A-Z])\w+)?)"
        r"|a vote (?P<x>(?-i:[A-Z])\w+)",
    ),
    rule(
        POLITICAL_OPINION,
        r"opinions? politiques?|political (?:views?|opinions?|activist|beliefs?|affiliation|party)"
        r"|engage\w* politiquement"
        r"|politically (?:active|engaged|involved)|convictions? politiques?|parti politique|militantisme"
        r"|(?:homme|femme) politique|politician\w*|politicien\w*|depute\w*|senateur\w*|senatrice\w*|senator\w*"
        r"|congress(?:man|woman)|conseill\w* municipa\w*|elu\w* (?:municipa\w*|regiona\w*|locale?s?)",
    ),
    rule(
        POLITICAL_OPINION,
        r"manifestant\w*|(?:participe\w*|participait|participated|took part|defile\w*|marche\w*)\s+(?:a|aux|in"
        r"|dans)?\s*"
        r"(?:la |les |des |the )?(?P<hit>manifs?|manifestations?|demonstrations?|protests?)",
    ),
    rule(
        POLITICAL_OPINION,
        rf"militant\w*(?!\s+(?:syndica\w*|cgt|cfdt|associati\w*|humanitaire\w*|caritati\w*|(?:a |au |a la |chez )"
        rf"?(?:la |le )?(?:{UNION_ORG})))",
        not_before=r"(?:syndica\w*|union)",
    ),
    # -- TRADE_UNION ---------------------------------------------------------------------------------
    rule(
        TRADE_UNION,
        r"syndica(?!te|tion)\w*|syndiqu\w*",
        not_after=r"\s*(?:d'initiative|de copropriete|des eaux|intercommunal|mixte|de communes|du tourisme"
        r"|patronal|viticole|d'exploitation|des proprietaires)",
    ),
    rule(TRADE_UNION, UNION_ORG, needs=UNION_CUE),
    rule(
        TRADE_UNION,
        r"trade unions?|labou?r unions?|(?:\w+'?\s)?union (?:rep|reps|representative|members?|steward|official|activist"
        r"|leader|organi[sz]er|delegate|dues|card|meeting|conference|congress)|unioni[sz]ed|shop steward"
        r"|member of the (?:\w+'? )?union|(?:teachers|nurses|workers|dockers|drivers|pilots)'? union",
    ),
    # -- SEXUAL_ORIENTATION (and sex life) ------------------------------------------------------------
    rule(
        SEXUAL_ORIENTATION,
        r"homosexu\w*|bisexu\w*|lesbien\w*|lesbian\w*|gays?|queer|lgbt\w*\+?|pansexu\w*|transgen\w*|transsexu\w*"
        r"|non[- ]binaire|non[- ]?binary|same[- ]sex|meme sexe|couples? (?:de femmes|d'hommes|homo\w*|gay)"
        r"|(?:deux|two) (?:papas|mamans|dads|moms|mums)|echangiste\w*|libertin\w*|swingers?",
        not_after=r"-lussac",
    ),
    rule(SEXUAL_ORIENTATION, r"gay-friendly|lgbt\w*-friendly"),
    rule(SEXUAL_ORIENTATION, r"his (?:husband|boyfriend)|her (?:wife|girlfriend)|husband and husband|wife and wife"),
    rule(
        SEXUAL_ORIENTATION,
        r"son (?:mari|epoux|compagnon|copain|petit[- ]ami|fiance)(?!e)|with (?:his|her) (?:husband|boyfriend)",
        partner="male",
    ),
    rule(
        SEXUAL_ORIENTATION,
        r"sa (?:femme|compagne|copine|petite[- ]amie|fiancee)|son epouse|with (?:his|her) (?:wife|girlfriend)",
        partner="female",
    ),
    rule(SEXUAL_ORIENTATION, r"sa maitresse|son amant|his mistress|her lover"),
    # -- ETHNIC_ORIGIN -------------------------------------------------------------------------------
    rule(
        ETHNIC_ORIGIN,
        rf"(?:d'|de |des )?origines? (?!{ORIGIN_ADJ_STOP})\w{{4,}}",
        not_before=rf"{ORIGIN_THINGS}\s*(?:\w+\s*)?",
    ),
    rule(ETHNIC_ORIGIN, r"of \w+(?: \w+)? (?:descent|origin)|\w+ descent|ethnically"),
    rule(
        ETHNIC_ORIGIN,
        r"maghrebin\w*|beurs?|beurette\w*|rebeu\w*|renoi\w*|negre\w*|negresse\w*|metis|metisse\w*|mulatre\w*"
        r"|caucasien\w*|caucasian|hispanic\w*|latino\w*|latina\w*|gitan\w*|tsigane\w*|tzigane\w*|gens du voyage"
        r"|ethnies?|ethnique\w*|ethnic\w*|racial\w*|(?:sa|his|her|leur) race|afro-\w+|african-american\w*"
        r"|peau (?:noire|mate|foncee|blanche)|couleur de peau|skin colou?r|dark[- ]skinned|controles? au facies"
        r"|racial profiling",
        not_before=_CULTURE_BEFORE,
        not_after=_CULTURE_AFTER,
    ),
    rule(ETHNIC_ORIGIN, r"manouche\w*", not_after=r"\s*(?:jazz|festival|swing|musique)", not_before=r"jazz"),
    rule(
        ETHNIC_ORIGIN,
        rf"{PERSON}{IS}{SO}\s+(?P<hit>noire?s?|black|arabes?|asiatiques?|asian|africaine?s?|maghrebine?s?|white"
        rf"|blanche?s?)"
        rf"(?!{_CULTURE_AFTER})",
    ),
    rule(
        ETHNIC_ORIGIN,
        r"(?:black|asian|arab|white) (?:man|woman|guy|lady|client|customer|family|couple|person|people|gentleman)"
        r"|(?:un|une|des) (?:noire?s?|arabes?|asiatiques?|blacks?|renois?)(?!\s+(?:\w+\s+)?(?:cuisine|restaurant))"
        r"|type (?:asiatique|africain|maghrebin|nord-africain|mediterraneen|europeen|arabe|indien|latino|slave)",
    ),
    # -- GENETIC_BIOMETRIC ---------------------------------------------------------------------------
    rule(
        GENETIC_BIOMETRIC,
        r"biometri\w*",
        not_before=r"(?:passeports?|passports?|photos?|photographies?|visas?)(?:\s+\S+){0,2}",
        not_after=r"\s*(?:passports?|photos?|du passeport)",
    ),
    rule(
        GENETIC_BIOMETRIC,
        r"empreintes? (?:digitales?|palmaires?|genetiques?)|fingerprint\w*|reconnaissance faciale|facial recognition"
        r"|scan (?:de l')?iris|iris scan\w*|retinal scan\w*|genetique\w*|genetic\w*|genome\w*|genomi\w*|23andme"
        r"|(?:tests?|analyses?) (?:adn|dna|genealogiques?)|(?:adn|dna)[- ]test\w*|(?:adn|dna) (?:analysis|results?)",
    ),
    rule((GENETIC_BIOMETRIC, HEALTH), r"maladies? genetiques?|genetic (?:disease|disorder|condition)s?"),
    # -- CRIMINAL_OFFENCE (Art. 10) -------------------------------------------------------------------
    rule(
        CRIMINAL_OFFENCE,
        r"casier judiciaire|casier (?:non )?vierge|criminal (?:record|conviction|past|history|offen[cs]e)s?"
        r"|police record|prior convictions?|convictions? for|convicted\w*|condamnations?",
    ),
    rule(
        CRIMINAL_OFFENCE,
        r"condamne\w*",
        not_before=r"(?:porte|route|acces|sortie|fenetre|passage|pont|rue|chemin|issue|voie|entree|ascenseur|escalier"
        r"|aile|piscine|door|road|plage|terrasse|etage|batiment)s?(?:\s+\w+){0,3}",
    ),
    rule(
        CRIMINAL_OFFENCE,
        r"(?:sorti\w*|sort|libere\w*|en|de la|fait de la|ans de|mois de|years in|months in|from|in|out of|after|apres"
        r"|released from"
        r"|served time in|time in|to|went to|was in|been in|sent to|ex-?)\s+(?:de |d')?(?P<hit>prison|jail|taule"
        r"|zonzon)",
        not_before=r"(?:visit\w*|tours?|musee|museum|hotel|nuit)\b.*",
    ),
    rule(
        CRIMINAL_OFFENCE,
        r"incarcer\w*|emprisonn\w*|imprisoned|jailed|ex-?detenu\w*|anciens? detenu\w*|former (?:inmate|prisoner"
        r"|convict)"
        r"|ex-?con|ex-?convict\w*|repris de justice|taulard\w*|felon\w*|felony",
    ),
    rule(
        CRIMINAL_OFFENCE,
        r"bracelet electronique|electronic (?:tag|bracelet|monitoring)|ankle (?:monitor|tag|bracelet)"
        r"|controle judiciaire|liberte conditionnelle|conditional release|on parole|parole officer|probation\w*"
        r"|sursis\w*|travaux d'interet general|assignation a residence|house arrest|garde a vue|mise? en examen"
        r"|inculpe\w*|peines? de prison|prison sentence|peine d'emprisonnement|purg\w* (?:une |sa )?peine"
        r"|served (?:a )?(?:\w+ )?sentence|detention provisoire|en detention|placee? en detention"
        r"|tribunal correctionnel"
        r"|cour d'assises|jugee? pour|on trial|trial for|interdiction de (?:quitter|sortie du) (?:le )?territoire"
        r"|indicted|charged with|accuse\w* d(?:e |')(?!reception)|accused of|poursuivi\w* (?:pour|en justice)"
        r"|arrested|arrete\w* (?:par la police|pour)|interpelle\w*|fichee? s|known to (?:the )?police"
        r"|connue? des services de police|problemes? avec la (?:police|justice)|trouble with the (?:police|law)",
    ),
    rule(
        CRIMINAL_OFFENCE,
        r"fraude fiscale|tax fraud|tax evasion|evasion fiscale|blanchiment|money laundering|fraudeu\w*|fraudster\w*"
        r"|voleur|voleuse|thief|shoplift\w*|vol a l'etalage|cambrioleu\w*|burglar\w*|trafic de (?:drogue|stupefiants)"
        r"|drug (?:trafficking|dealer|possession|offen[cs]e|charges?)|possession de (?:drogue|stupefiants|cannabis)"
        r"|pedophil\w*|pedocriminel\w*|sex offender|delinquant\w*|agression sexuelle|violences? conjugales?"
        r"|domestic violence|assault\w*|meurtr\w*|murder\w*|homicide|braquage|robbery",
        not_before=r"(?:victime|victim)\w*(?:\s+\S+){0,4}",
    ),
    rule(
        CRIMINAL_OFFENCE,
        r"alcool au volant|conduite en etat d'ivresse|drunk driving|drink[- ]driving|dui|dwi|retrait de permis"
        r"|permis (?:suspendu|retire|annule)|(?:licence|license) (?:suspended|revoked)|suspension de permis",
    ),
    rule((CRIMINAL_OFFENCE, JUDGEMENT), r"escrocs?|con artists?|crooks?|arnaqueu\w*"),
    rule(
        CRIMINAL_OFFENCE,
        r"escroquer\w*|delits? de fuite|(?-i:TIG)|en conditionnelle|prisonniers?|prisoners?",
        not_before=_CULTURE_BEFORE,
        not_after=_CULTURE_AFTER,
    ),
    # -- JUDGEMENT (CNIL: objective notes only, nothing excessive or insulting) ----------------------
    rule(
        JUDGEMENT,
        r"con|conne|connes",
        not_before=r"(?:chili|pros and|pro and|chile|ex-?)",
        not_after=r"\s*(?:carne|leche|queso|dao|son|artist|game)",
    ),
    rule(
        JUDGEMENT,
        r"connard\w*|connasse\w*|abruti\w*|imbecile\w*|cretin\w*|debile\w*|idiot\w*|stupide\w*|stupid\w*|moron|morons"
        r"|moronic"
        r"|dumb|dumber|dumbest|dumbass|jerks?|asshole\w*|arsehole\w*|bitch\w*|salope\w*|salaud\w*|petasse\w*"
        r"|pouffiasse\w*|poufiasse\w*"
        r"|garce\w*|megere\w*|harpie\w*|chieur\w*|chieuse\w*|emmerdeu\w*|emmerdant\w*|casse[- ](?:pieds|couilles"
        r"|bonbons)|relou\w*|lourdingue\w*|radin\w*|pingre\w*|grippe[- ]sous?|rapiat\w*|cheapskate\w*|stingy"
        r"|tight[- ]fisted|penny[- ]pinch\w*|hysteri\w*|menteu\w*|mytho\w*|liars?|tare|taree|tares|tarees|cingle\w*"
        r"|barjo\w*|psychopathe?s?|psycho|nutcase|lunatic|schnock|schnoque|beauf\w*|plouc\w*|pequenaud\w*|bouseu\w*"
        r"|blaireau\w*|bouffon\w*|guignol\w*|naze\w*|nullos|tete a claques|tete de con|gros lard|grosse vache"
        r"|grosse dondon|moche\w*|laideron\w*|ugly|fatso|snob\w*|arrogant\w*|pretentieu\w*|meprisant\w*|hautain\w*"
        r"|condescend\w*|invivable\w*|odieu\w*|unpleasant|obnoxious|irritating|unbearable|une plaie|a pain"
        r"|pain in the \w+|mal eleve\w*|malpoli\w*|impoli\w*|rudeness|mauvaise foi|borne|bornee|bornes|bornees"
        r"|parano\w*|raleu\w*|grincheu\w*|ronchon\w*|feignant\w*|faineant\w*|flemmard\w*|profiteu\w*"
        r"|pique[- ]assiette|manipulat(?:eur|rice|ive|or)\w*|pervers\w*|vicieu\w*|vulgaire\w*|tordue?s?"
        r"|fou a lier|folle a lier|old (?:fart|hag|bag|goat|codger|bat)|ivrogne\w*|poivrot\w*|soulard\w*|sans-gene"
        r"|malhonnete\w*|hypocrite\w*|ingrat\w*|pleurnich\w*|capricieu\w*|caracteriel\w*|colerique\w*|lunatique\w*"
        r"|fourbe\w*|sournois\w*|mesquin\w*|avare\w*|creepy|creep|sleazy|weirdo\w*|loser\w*|dickhead\w*|pricks?"
        r"|twat\w*|wanker\w*|douchebag\w*|bimbo\w*|trailer trash|white trash|redneck\w*|peque?not\w*|racaille\w*"
        r"|cas social|cassos|enquiquineu\w*|pot de colle|crevard\w*|entitled|pas (?:tres )?(?:fute|malin|maligne)"
        r"|pas une lumiere",
        not_before=r"(?:erreur|faute)",
    ),
    rule(
        JUDGEMENT,
        r"vieux (?:con|schnock|schnoque|croulant|grincheux|bougon|fou|debris|gateux|radin)"
        r"|vieille (?:peau|bique|folle|chouette|toupie|conne|carne|radine)",
    ),
    rule(
        JUDGEMENT,
        r"rude|grossier\w*|grossiere\w*|agressi\w*|aggressive\w*|insupportable\w*|desagreable\w*|chiant\w*|penible\w*"
        r"|lazy|annoying|horrible\w*|infect\w*|exasperant\w*",
        not_before=THINGS_JUDGED,
        not_after=r"\s*(?:river|pricing|prices|tarif|marketing|delay|weather|flight)",
    ),
    rule(
        JUDGEMENT,
        rf"{PERSON}{IS}{SO}\s+(?P<hit>lourde?s?|fou|folle|folles|fous|dingue|barge|bete|betes|nulle?s?|crazy|insane|mad"
        r"|nightmare|cauchemar\w*|difficile|difficult|impossible|penible|idiot|exigeante? a l'exces"
        r"|laide?s?|bizarre|weird|strange|louche|shady|lourdingue)"
        r"(?!\s+(?:a|de|d'|to|about|with|pour)\b)",
    ),
    rule(
        JUDGEMENT,
        r"(?:gros|grosse) (?:monsieur|dame|bonhomme|femme|type|mec|nana|client|cliente|lourde?)"
        r"|(?:il|elle|client\w*|he|she) (?:est|is|was) (?:tres |vraiment |un peu |trop |really |very |so )?(?:gros"
        r"|grosse|fat)"
        r"|fat (?:man|woman|guy|lady|client"
        r"|customer)|crazy (?:lady|woman|man|guy|client|customer|old)|nightmare (?:client|customer)"
        r"|(?:annoying|difficult|impossible|horrible|awful|terrible) (?:client|customer|man|woman|person|guy|lady)"
        r"|(?:client\w*|customer) a (?:fuir|eviter)|ment comme (?:il|elle) respire",
    ),
    # -- more ways of saying it (each family found missing in a held-out part) ------------------------
    rule(
        HEALTH,
        r"problemes? (?:de|au|aux|d'|a la) (?:dos|genou\w*|hanche\w*|coeur|sante|audition|respiration|mobilite|memoire"
        r"|prostate|vessie|reins?|foie|poumons?|estomac|intestins?|thyroide|yeux|tension|equilibre|circulation"
        r"|sommeil|incontinence|digesti\w*|articulations?|colonne)"
        r"|mal (?:au|aux) (?:dos|genou\w*|hanche\w*|jambes?)|(?:se deplace|marche) (?:difficilement|avec difficulte"
        r"|lentement|avec peine)|difficult\w* (?:a|pour) marcher|difficulty walking|(?:can't|cannot|can not) walk"
        r"|cataracte|glaucome|glaucoma|degenerescence maculaire|macular degeneration|fatigue chronique"
        r"|chronic fatigue|seringues?|syringes?|anxiete (?:chronique|generalisee)|crises? d'anxiete"
        r"|anxiety (?:disorder|attacks?)|assistance (?:pmr|fauteuil|handicap\w*|mobilite)",
    ),
    rule(
        SEXUAL_ORIENTATION,
        r"(?:femme|homme|woman|man|personne|person) trans|trans (?:woman|man|women|men)|couple homo\w*",
    ),
    rule(ETHNIC_ORIGIN, r"racise\w*|issue?s? de l'immigration|second[- ]generation immigrants?"),
    rule(
        JUDGEMENT,
        r"tete de mule|demeure\w*|attarde\w*|mongols?|gogols?|pouilleu\w*|clodo\w*|un boulet|une boulet"
        r"|execrable\w*|imbuvable\w*|ignoble\w*|sale (?:type|bonne femme|con|gosse|caractere)|enfoire\w*"
        r"|salopard\w*|nasty|pushy|smelly|il pue|elle pue",
    ),
    rule(
        JUDGEMENT,
        rf"{PERSON}{IS}{SO}\s+(?P<hit>cheap|awful|stupide|con|conne|chiante?|penible|rude|horrible)(?!\s+(?:a|de|d'"
        rf"|to)\b)",
    ),
    rule(
        HEALTH,
        r"toxico\w*|schizo|sous (?:tutelle|curatelle)|fin de vie|cesarienne|(?:has|with) (?-i:MS|ALS|COPD|IBS)"
        r"|(?:uses|with) a walker|walking frame|(?:needs?|requires?|requested|booked|with) special assistance"
        r"|(?:besoin d'une?|demande une?|avec) assistance speciale",
    ),
    rule(
        JUDGEMENT,
        r"nutter\w*|drama queen|whiny|whinger\w*|moaner\w*|grumpy|pompous|mal lune\w*|(?:gros|sale) porc",
    ),
    rule(JUDGEMENT, rf"{PERSON}{IS}{SO}\s+(?P<hit>collante?s?|clingy)(?!\s+(?:a|de|d'|to)\b)"),
    # -- families of words (written after holdout-d; see the README) ---------------------------------
    # HEALTH: "MS sufferer", "migraine sufferer"; unwell; common infections said of the person.
    rule(
        HEALTH,
        r"\w+ sufferers?|souffrant\w*|unwell|(?:a|avait|a eu|has|had|with|got|attrape\w*|caught) (?:la |une |un "
        r"|de la |a"
        r" |the )?(?:grippe|fievre|flu|fever|angine|gastro\w*|bronchite|bronchitis|pneumonie|pneumonia|covid|otite"
        r"|infection\w*|zona|shingles|varicelle|chickenpox)",
    ),
    # HEALTH: mental health and the medicines that reveal a condition ("sous lithium", "on antipsychotics").
    rule(
        HEALTH,
        r"deprime\w*|suicid\w*|anxiolyti\w*|somniferes?|sleeping pills|antipsychoti\w*|neurolepti\w*"
        r"|beta[- ]?bloquants?"
        r"|beta[- ]blockers?|statines?|statins?|benzodiazepin\w*|xanax|lexomil|prozac|methadone|morphine"
        r"|antiretrovira\w*|immunosuppress\w*|antibiotiques?|antibiotics",
    ),
    rule(
        HEALTH,
        r"lithium",
        not_before=r"(?:batterie|batteries|battery|batteries|pile|piles)(?:\s+\S+)?",
        not_after=r"\s*(?:-?ion|batter\w*|polymer|polymere|cells?|piles?)",
    ),
    # HEALTH: organs and procedures in the person's history ("greffé du rein", "under dialysis" is above).
    rule(
        HEALTH,
        r"(?:dialyse|dialysee|dialysed|dialyzed)s?|post[- ]?op\w*|pre[- ]?op\w*|en soins|under (?:treatment"
        r"|medical care)|en traitement|en arret maladie|arret de travail|on sick leave|handicape\w*|disabled (?:person"
        r"|passenger|client|traveller|traveler|guest|son|daughter|child|husband|wife)",
    ),
    # RELIGION: a holy day or season that the person keeps ("fera le ramadan", "ne voyage pas le jour de Kippour",
    # "gives up meat for Lent"); a date in a guide ("Ramadan en avril : restaurants fermés") is not the person.
    rule(
        RELIGION,
        r"ramadan|careme|lent|(?:yom )?kippou?r|pessah|passover|paque juive|rosh hashana\w*|soukkot|sukkot|diwali"
        r"|(?:l'|la fete de l')?aid(?: el[- ]\w+)?|eid(?: al[- ]\w+)?|vendredi saint|good friday",
        negatable=False,
        needs=r"(?:\b(?:fai[st]|fait|faire|fera\w*|feront|font|fit|observ\w*|respect\w*|pratiqu\w*|jeun\w*|fast\w*"
        r"|keeps?|keeping|celebr\w*|fete\w*|gives? up|giving up|ne voyage\w* pas|ne part pas|ne peut pas voyager"
        r"|no travel|(?:doesn't|does not|won't|cannot|can't|will not) (?:travel|fly)|pas de viande|no meat|sans viande"
        r"|poisson|fish|suit|suivent|pour (?:lui|elle|eux))\b)",
        not_before=rf"{_CULTURE_BEFORE}|(?:fermes?|closed|ferme|fermeture|horaires|opening hours)(?:\s+\S+){{0,3}}",
    ),
    # RELIGION: worship attended by the person, any day ("wants to be in church", "va à la mosquée"); a named
    # building ("the Blue Mosque", "la mosquée Hassan II") is a visit.
    rule(
        RELIGION,
        r"(?:go(?:es)? to|going to|attend\w*|be in|be at|pray\w* (?:at|in)|va a|vont a|aller a|assiste\w* a|assister a"
        r"|frequente\w*|prie\w* a|priera a) (?:the |la |le |l'|a |une |un |sa |son |his |her |their "
        r"|leur )?(?P<hit>church"
        r"|mass|mosque|synagogue|temple|gurdwara|eglise|messe|mosquee|temple|office|culte|shul"
        r"|services?)\b(?!\s+(?:de |du "
        r"|d'|of )?(?-i:[A-Z]))",
        # A group's programme is the tour's, not one person's worship.
        not_before=r"(?:visit\w*|tour\w*)(?:\s+\S+){0,3}|(?:groupe|group|participants|passagers|guests|delegation"
        r"|delegates|tous les clients|everyone)(?:\s+\S+){0,4}",
    ),
    rule(
        RELIGION,
        r"orthodox|anglican\w*|methodist\w*|methodiste\w*|presbyterian\w*|quaker\w*|amish|pentecot\w*|pentecost\w*"
        r"|luther\w*|calvinist\w*|calviniste\w*|coptes?|coptic|maronites?|shintoiste\w*|taoiste\w*|zoroastri\w*"
        r"|rastafari\w*|ismaeli\w*|ismaili\w*|druzes?|alevi\w*|bahai|baha'i|wicca\w*|paien\w*|pagan\w*"
        r"|born[- ]again|evangelical\w*|(?:practi[cs]ing|pratiquant\w*|devout|observant) (?:\w+)",
        not_before=_CULTURE_BEFORE,
        not_after=rf"{_CULTURE_AFTER}|\s*(?:brush|dentist\w*|(?:law|medicine|doctor|lawyer|yoga|sport\w*|golf|tennis"
        r"|french|english|spanish)\b)",
    ),
    # POLITICAL_OPINION: more parties, and campaigning for one.
    rule(
        POLITICAL_OPINION,
        r"snp|plaid cymru|sinn fein|dup|brexit party|the greens|nupes|generation\.?s|place publique|parti de gauche"
        r"|les patriotes|cdu|csu|spd|fdp|die linke|vox|psoe|podemos|fidesz|democrats?|republicans?",
        needs=rf"(?:{PARTY_CUE}|volunteer\w*|benevole\w*|campaign\w*|fait campagne|canvass\w*|tract\w*|donor\w*"
        r"|donateur\w*|donatrice\w*)",
    ),
    rule(
        POLITICAL_OPINION,
        rf"(?:volunteer\w*|benevole\w*|campaign\w*|fait campagne|canvass\w*|tracte\w*|door-knock\w*) (?:for|pour|with"
        rf"|avec) (?:the |le |la |les )?(?P<hit>{PARTY}|(?-i:[A-Z]{{2,5}}))\b",
    ),
    # TRADE_UNION: unions by their initials, with a word of membership around them.
    rule(
        TRADE_UNION,
        r"(?-i:NEU|NASUWT|UCU|PCS|USDAW|CWU|NUJ|FBU|BALPA|RCN|BMA|AFT|NEA|IBEW|CUPE|UNEF|SNPL|SNPNC|SNCTA|SGEN|SNUIPP"
        r"|SNUipp|CNT|SOLIDAIRES|Solidaires|UFICT|CGC|UGICT|SNJ|UNISON|Unison|Unite|GMB)",
        needs=UNION_CUE,
    ),
    # SEXUAL_ORIENTATION: "son conjoint" of a man, "sa conjointe" of a woman, and a partner named with a title of
    # the same sex ("Mr Owen and his partner Mr Reid", "pacsé avec M. Petit").
    rule(SEXUAL_ORIENTATION, r"son conjoint|son partenaire|with his partner|his partner", partner="male"),
    rule(SEXUAL_ORIENTATION, r"sa conjointe|sa partenaire|with her partner|her partner", partner="female"),
    rule(
        SEXUAL_ORIENTATION,
        r"(?:partner|partenaire|conjoint\w*|compagnon|compagne|pacse\w*|marie\w* (?:a|avec)|married to|epoux|epouse"
        r"|husband|wife|fiance\w*|en couple avec|in a relationship with) (?P<hit>(?:m\.|mr\.?|monsieur) \w+)",
        partner="male",
    ),
    rule(
        SEXUAL_ORIENTATION,
        r"(?:partner|partenaire|conjoint\w*|compagnon|compagne|pacse\w*|marie\w* (?:a|avec)|married to|epoux|epouse"
        r"|husband|wife|fiance\w*|en couple avec|in a relationship with) (?P<hit>(?:mme|mrs\.?|ms\.?|madame|miss) \w+)",
        partner="female",
    ),
    # ETHNIC_ORIGIN: ancestry and heritage words, Roma and Travellers, colour and mixed descent, hyphenated
    # identities ("Black British", "British Pakistani", "half-Japanese").
    rule(
        ETHNIC_ORIGIN,
        r"(?:of|d'|de) \w+(?: \w+)? (?:heritage|ancestry|background|extraction)|(?:d'|de )?ascendance \w+"
        r"|descendante?s? (?:d'|de |des )\w+|d'extraction \w+|(?:people|person|personnes?|gens|hommes?|femmes?"
        r"|clients?|clientes?|famille|family|man|woman) (?:of colou?r|de couleur)|mixed[- ]race|biracial|half[- ]caste"
        r"|half[- ](?!board|day|price|term|hour|time|pension|marathon|way|moon)\w+(?:ese|ian|ish|an|i|ic|ais|aise|ois"
        r"|oise)\b|gypsy|gypsies|gipsy|gipsies|yeniche\w*|yenish|sinti|travellers? (?:family|families|community|site"
        r"|camp)|irish travellers?|(?:famille|family|families|client\w*|people|gens|communaute|community|personnes?"
        r"|femme|homme|woman|man) (?:roms?|roma|romani|rrom\w*)|(?:roms?|roma|romani|rrom\w*) (?:family|families"
        r"|people|community|woman|man|client\w*|famil\w*)|d'origine (?:rom|rrom)\w*",
        not_before=_CULTURE_BEFORE,
        not_after=rf"{_CULTURE_AFTER}|\s*(?:kings|jazz|swing|music|musique)",
    ),
    rule(
        ETHNIC_ORIGIN,
        r"(?:black|white|brown|asian) (?:british|american|french|african|caribbean|canadian|european)"
        r"|(?:pakistani|indian|bangladeshi|nigerian|ghanaian|jamaican|chinese|vietnamese|korean|japanese|african|arab"
        r"|turkish|algerian|moroccan|tunisian|asian|mexican|cuban|somali|filipino|haitian|italian|irish|greek|polish"
        r"|lebanese|iranian|persian|armenian|latin|native|hispanic)[- ](?:american|british|canadian|australian"
        r"|french)s?"
        r"|(?:british|american|french|canadian|franco|anglo|afro|sino|indo)[- ](?:pakistani|indian|bangladeshi|nigerian"
        r"|ghanaian|jamaican|chinese|vietnamese|korean|japanese|african|caribbean|arab|turkish|algerian|moroccan"
        r"|tunisian|asian|mexican|cuban|somali|senegalese|algerien\w*|marocain\w*|tunisien\w*|senegalais\w*"
        r"|ivoirien\w*|camerounais\w*|malien\w*|vietnamien\w*|chinois\w*|turc\w*)|afro[- ]?caribbean"
        r"|afro[- ]?antillais\w*"
        r"|antillais\w* d'origine|nord[- ]africain\w*|north african|subsaharien\w*|sub-saharan|arabe?s? d'origine",
    ),
    # GENETIC_BIOMETRIC: genes a person carries, and their fingerprints, face or iris, whatever their wish about them.
    rule(
        GENETIC_BIOMETRIC,
        r"brca\d?|(?:porteu\w*|carrier\w*|porte)\s+(?:\S+\s+){0,4}?(?:genes?|mutations?)|mutations? genetiques?"
        r"|genetic mutations?|predisposition genetique|genetic predisposition",
        negatable=False,
    ),
    rule(
        GENETIC_BIOMETRIC,
        r"(?:ses|leurs|les|des|his|her|their|mes|nos|my|our) (?:empreintes|prints)|empreintes? (?:digitales?"
        r"|biometriques?)"
        r"|(?:my|his|her|their|our|mon|son|sa|leur|ses|mes) (?:face|visage|iris|eyes?|yeux|fingers?|doigts) (?:\w+ )?"
        r"(?:scanned|scan\w*|photographed|recorded|stored|enregistr\w*|numeris\w*|photographi\w*)"
        r"|(?:iris|retina|face|facial|finger|palm)[- ]?(?:scans?|prints?|recognition|data|images?)|fingerprint\w*"
        r"|reconnaissance (?:faciale|de l'iris)|prise d'empreintes|parafe|e-?gates? (?:scan|photo)",
        negatable=False,
        not_after=r"\s*(?:carbone|carbon|ecologique|environnementale|de pas|de pattes)",
    ),
    # CRIMINAL_OFFENCE: a sentence served, bail, a tag, a record.
    rule(
        CRIMINAL_OFFENCE,
        r"sous bracelet|bracelet (?:electronique|gps|anti-?rapprochement)|tagged|on (?:an? )?(?:electronic )?tag"
        r"|served (?:\w+ ){0,2}(?:years?|months?|time|sentence)|did time|doing time|a fait (?:\w+ ){0,2}(?:ans|mois) de"
        r" (?:prison|taule|detention)|on bail|out on bail|bailed|en liberte (?:sous caution|provisoire|conditionnelle)"
        r"|sous caution|remanded|in custody|en garde a vue|(?:has|had|have|with|a) (?:a )?(?:criminal )?record"
        r"(?! (?:of|number|locator|label|time|year|month|attendance|sales))|record for \w+|casier (?:pour|charge)"
        r"|restraining order|ordonnance d'eloignement|community service|asbo|sex offenders? register",
        not_before=r"(?:victime|victim)\w*(?:\s+\S+){0,4}",
    ),
    # JUDGEMENT: how the person "seems" to the agent ("a l'air louche", "looks shady", "seems dodgy"), said with or
    # without a subject, and a wider word list.
    rule(
        JUDGEMENT,
        rf"(?:a l'air|avait l'air|semble|semblait|parait|paraissait|looks|looked|seems|seemed|sounds|sounded){SO}\s+"
        r"(?P<hit>louche\w*|bizarre\w*|douteu\w*|pas (?:net|nette|clair|claire|honnete|fiable|serieu\w*)|malhonnete\w*"
        r"|shady|dodgy|sketchy|fishy|dubious|suspicious|weird|odd|creepy|untrustworthy|unreliable|dishonest|crazy|mad"
        r"|drunk|ivre|bourre\w*|simplet\w*|idiot\w*|stupid\w*|bete|limite\w*|demeure\w*|perdu\w*|clueless|thick|dim"
        r"|slow|dense)",
    ),
    rule(
        JUDGEMENT,
        r"louche\w*|shady|dodgy|sketchy|pas (?:tres )?(?:clair|claire|commode|aimable|sympa\w*"
        r"|agreable|poli|polie|facile|malin|maligne)",
        needs=rf"(?:{PERSON}|\bce (?:type|mec|monsieur|client|gars|bonhomme)|\bcette (?:cliente|dame|femme|personne)"
        r"|\b(?:customer|guy|bloke|chap)|^\s*$)",
        not_before=r"(?:photo\w*|image\w*|scan\w*|copie\w*|document\w*|papiers?|paiement|payment|dossier|situation"
        r"|facture|ciel|eau|water|sky|meteo|weather)\w*(?:\s+\S+){0,3}",
    ),
    # "Pas net du tout", "pas très honnête": of a person unless a thing is named before it.
    rule(
        JUDGEMENT,
        r"pas (?:tres |du tout |vraiment )?(?:net|nette|honnete|fiable)(?: du tout)?",
        not_before=rf"{THINGS_JUDGED}|(?:photo\w*|image\w*|scan\w*|copie\w*|document\w*|papiers?|paiement|payment"
        rf"|dossier|situation"
        r"|facture|ciel|eau|water|sky|meteo|weather|wifi|connexion|reseau|internet|horaires?|information\w*|infos?"
        r"|site|application|app|transport\w*|bus|train|compagnie|airline|source\w*|loueur|hotel\w*|agence"
        r"|prestataire\w*|fournisseur\w*|guide\w*|chauffeur\w*|driver\w*|supplier\w*|partenaire\w*|voiture|car"
        r"|vehicule|chambre|room|sol|vitre\w*|verre\w*|ecran|screen|son|sound|signal|reseau"
        r"|imprim\w*)\w*(?:\s+\S+){0,3}",
    ),
    rule(
        JUDGEMENT,
        r"boulet\w*|simplet\w*|simple d'esprit|neuneu\w*|benet\w*|nigaud\w*|tocard\w*|baltringue\w*|bolos\w*|boloss\w*"
        r"|pauvre (?:type|con|conne|fille|mec|cloche|tache)|gonflant\w*|saoulant\w*|soulant\w*|casse-burnes"
        r"|prise de tete"
        r"|galere (?:de |ce |cette )?(?:client\w*|type|mec|dame)|sans[- ]gene|pas commode|mal aimable|clueless|useless"
        r"|hopeless|pathetic|ridiculous|bossy|cocky|smug|snotty|snobby|stuck[- ]up|patroni[sz]ing|slimy|sleaze\w*"
        r"|stroppy|tetchy|cranky|moody|shouty|time[- ]?waster\w*|tyre[- ]kicker\w*|tire[- ]kicker\w*|flaky|scruffy"
        r"|muppet\w*|plonker\w*|numpty|pillock\w*|prat|prats|tosser\w*|bastard\w*|git|sod|wally|knobhead\w*"
        r"|(?:total|real|absolute|right|royal|such an?|proper) (?:pain|headache|piece of work|handful|nightmare)"
        r"|caracteres? de (?:cochon|chien|merde)|mauvais caractere|grump\w*"
        r"|(?:old|silly|stupid|fat|lazy|miserable|moody|grumpy|daft) (?:cow|bag|git|sod|bat|goat|fart|fool|witch|hag"
        r"|bastard|moo)",
        not_before=rf"(?:boulet de canon|erreur|faute)|{THINGS_JUDGED}",
        not_after=r"\s*(?:de canon|road|street|off)",
    ),
    # -- more families (written after holdout-e's first run; see the README) -----------------------
    # HEALTH by the form of medical words: English -itis, -osis, -ectomy, -ostomy, -algia, -plegia, -emia,
    # French inflammations and degenerations on an organ's stem, "syndrome de X" / "X syndrome".
    rule(
        HEALTH,
        r"\w{3,}itis|\w{3,}(?<!hypn)(?<!diagn)(?<!progn)(?<!osm)(?<!morph)osis|\w+ectom(?:y|ies|ie|ies)|\w+ostom(?:y"
        r"|ie)s?"
        rf"|\w+(?<!nost)algi(?:a|e)s?|\w+plegi\w+|\w+(?<!acad)(?<!boh)(?:aem|em)ia|(?:(?:{ORGANS})o?-?)+ites?"
        r"|(?:arthr|scler|fibr|thromb|tubercul|cirrh|nevr|psych|osteopor|endometri|mucoviscid|sten|scoli|lordo|cyph"
        r"|spondylarthr|necr)oses?"
        r"|syndromes? (?:de|d'|du) \w+|(?!stockholm|paris|imposter|impostor|jerusalem|jet|tourist|china)\w+ syndrome",
        not_before=r"(?:syndrome de (?:stockholm|paris|l'imposteur))",
        not_after=r"\s*(?:de (?:stockholm|paris|l'imposteur)|insurance|cover)",
    ),
    # HEALTH: the person's own doctor of a specialty ("son oncologue", "her cardiologist", "selon son psy").
    rule(
        HEALTH,
        r"(?:son|sa|ses|leur|his|her|their) (?:\w+ )?(?:\w+ologue|\w+ologist|\w+iatre|\w+iatrist|psy|ophtalmo|kine"
        r"|physio|therapist|therapeute|medecin traitant|gp|doctor|docteur|medecin|specialist\w*|surgeon"
        r"|chirurgien|infirmiere?|nurse|carer|aidant\w*)",
    ),
    # HEALTH: medicines by name, which tell a condition ("on warfarin", "sous méthotrexate").
    rule(
        HEALTH,
        r"warfarin\w*|coumadine|previscan|xarelto|eliquis|kardegic|metformin\w*|glucophage|levothyro\w*|methotrexate"
        r"|humira|enbrel|ventolin\w*|seretide|depakine|keppra|lamictal|tegretol|ritalin\w*|concerta|methylphenidate"
        r"|sertraline|zoloft|deroxat|paroxetine|fluoxetine|citalopram|escitalopram|seroplex|effexor|venlafaxine|abilify"
        r"|risperdal|zyprexa|olanzapine|quetiapine|xeroquel|valium|diazepam|lorazepam|temesta|stilnox|zolpidem|imovane"
        r"|tramadol|codeine|oxycodone|fentanyl|subutex|prednisone|prednisolone|cortancyl|solupred|tamoxifen\w*"
        r"|herceptin|truvada|biktarvy|ozempic|mounjaro|victoza|januvia|lantus|novorapid|humalog|levodopa|modopar"
        r"|aricept|donepezil|trinitrine|nitroglycerin\w*|lasix|furosemide|amlodipine|ramipril|bisoprolol|atenolol"
        r"|clopidogrel|plavix|heparin\w*|lovenox|enoxaparin\w*|immunotherap\w*|hormonotherap\w*|dexamethasone"
        r"|(?:stylo|pen|pompe|pump|seringues?|needles?|injections?) (?:a |d')?insulin\w*|insulin\w* (?:pen|pump|stylo)",
    ),
    # HEALTH: pregnancy said as "expecting", fainting, mobility aids by the verb, sick leave, anxiety.
    rule(
        HEALTH,
        r"(?:she's|she is|is|wife's|wife is) expecting(?!\s+(?:a |an |the |our |your |to |us |him |her |his |their"
        r"|confirmation|news|payment|refund|call|reply|answer|\d))|malaises? (?:vaga\w*|cardiaque\w*)"
        r"|(?:fait|fais|faire|a fait|a eu) (?:des |un )malaises?|syncopes?|evanoui\w*|faint(?:s|ed|ing)(?: spells?)?"
        r"|se deplace\w* (?:en|avec|a l'aide d'une?|grace a une?|sur) (?:une? |des |son |sa )?(?:scooter"
        r"|fauteuil|deambulateur|canne|bequilles?|trottinette electrique|chaise)|signed off (?:work|sick)|off sick"
        r"|on sick leave|(?:with|has|have|had|avec|de l'|d') anxiet\w*|anxiety (?:disorder|attacks?|issues?|problems?)"
        r"|stress and anxiety|panic disorder|ostomy|stoma|colostomy|ileostomy|urostomy",
        not_before=r"(?:travel|flight|vol|separation|performance)\s*",
    ),
    # RELIGION: a holy season kept by the person, the cue elsewhere in the sentence ("will be fasting, Ramadan
    # starts during the trip"); a guide's remark ("opening hours may change") has no such cue.
    rule(
        RELIGION,
        r"ramadan|careme|lent|(?:yom )?kippou?r|pessah|passover|rosh hashana\w*|soukkot|sukkot|diwali|eid"
        r"|fetes? (?:juives?|religieuses?|musulmanes?|chretiennes?)|holy days|high holidays|jours saints",
        negatable=False,
        needs_sentence=True,
        needs=r"\b(?:fasting|fasts|will fast|jeunera\w*|jeune\w* (?:pendant|pour|durant)|fera le|observera|respectera"
        r"|keeps|observes|celebrat\w*|celebre\w*|fetera\w*|ne (?:prend|prennent|voyage|voyagent|vole|part|partent)"
        r"\w* pas|(?:don't|doesn't|won't|will not|do not|does not) (?:fly|travel)|no (?:flights?|travel)|synagogue"
        r"|mosquee|mosque|eglise|church|temple)\b",
    ),
    # SEXUAL_ORIENTATION: two people of one sex, named or counted, said to be a couple.
    rule(
        SEXUAL_ORIENTATION,
        r"(?:m\.|mr\.?|monsieur) \w+ (?:et|and|&) (?:m\.|mr\.?|monsieur) \w+|(?:mme|mrs\.?|ms\.?|madame"
        r"|miss) \w+ (?:et|and"
        r"|&) (?:mme|mrs\.?|ms\.?|madame|miss) \w+|(?:two|deux|2|both|tous deux|toutes deux|tous les deux"
        r"|toutes les deux) (?:women|men|femmes|hommes|ladies"
        r"|gentlemen|guys|filles|garcons|messieurs|dames)",
        needs=r"\b(?:couple|en couple|married|maries|mariees|pacse\w*|honeymoon|noces|lune de miel"
        r"|anniversaire de mariage|wedding anniversary|romanti\w*|un lit|un grand lit|one bed|double bed|king bed"
        r"|my wife"
        r"|my husband|ma femme|mon mari|mon epou\w*|ma compagne|mon compagnon|my partner"
        r"|lit double|lit king)\b",
        needs_sentence=True,
    ),
    rule(SEXUAL_ORIENTATION, r"(?:mrs|ms|miss|mme|madame)\.? \w+'s (?:wife|girlfriend|fiancee)"),
    rule(SEXUAL_ORIENTATION, r"(?:mr|m)\.? \w+'s (?:husband|boyfriend|fiance)\b"),
    rule(SEXUAL_ORIENTATION, r"(?-i:PrEP)|truvada", needs=r"\b(?:gay|homme|men|msm|hsh)\b"),
    # ETHNIC_ORIGIN: a Roma or Traveller person said so, without a noun after.
    rule(
        ETHNIC_ORIGIN,
        rf"{PERSON}{IS}{SO}\s+(?P<hit>romani|roma|rom|rrom|gypsy|gitane?|tzigane|tsigane|traveller|manouche|yenish"
        r"|metis|metisse|mixed[- ]race)",
    ),
    # GENETIC_BIOMETRIC: a DNA kit by its brand or kind.
    rule(
        GENETIC_BIOMETRIC,
        r"(?:adn|dna) (?:kit|test\w*|analysis|results?|testing|profile)|(?:kit|test) (?:adn|dna|genetique|genetic)"
        r"|ancestry ?dna|myheritage|23 ?and ?me",
        negatable=False,
    ),
    # POLITICAL_OPINION: a party adjective with an office or a role ("Conservative MP", "Labour councillor").
    rule(
        POLITICAL_OPINION,
        r"(?-i:Conservative|Labour|Liberal|Green|Republican|Democratic|Democrat|Socialist|Communist|Tory|SNP|Reform)"
        r"\s+(?:MPs?|MEPs?|MSPs?|councillors?|candidate|member|voter|supporter|activist|senator|congress\w*|politician"
        r"|peer|mayor|party|campaigner|delegate|(?-i:AM|TD))",
        negatable=False,
    ),
    # TRADE_UNION: "the National Union of Teachers", "Union of Journalists".
    rule(
        TRADE_UNION,
        r"(?:national |general |federal )?union of (?:\w+ )?\w+(?:ers|ists|ians|ees|ors|ics|ants|ents|men|women|staff"
        r"|workers)",
    ),
    # JUDGEMENT: idioms and words that say the agent's opinion of the person.
    rule(
        JUDGEMENT,
        r"(?:un |une |vrai |vraie |quel |quelle |such a |a real |a total )+pigeon|a cote de (?:la|ses) (?:plaque"
        r"|pompes)"
        r"|bete comme ses pieds|lent a la comprehension|(?:bit|a bit|quite|rather|pretty|really|very|so) thick"
        r"(?=\s*(?:[,.;:!?)]|$|\band\b))"
        r"|(?:nightmare|difficult|impossible|horrible|awful|painful|a pain|hard) to (?:deal|work|handle|talk|speak"
        r"|manage|please|satisfy)(?: with)?|(?:difficile|penible|impossible|dur\w*) a (?:gerer|vivre|satisfaire"
        r"|contenter|supporter)|(?:a mon avis|selon moi|je trouve|in my opinion|imo|i think|i find)\W+(?:\w+\W+){0,4}"
        r"(?:pas (?:tres )?(?:fiable|honnete|net|nette|serieu\w*|clair\w*)|malhonnete|menteu\w*|louche|dishonest"
        r"|shady|dodgy|crazy|fou|folle)|pas (?:tres |trop |vraiment )?(?:fiable|honnete|serieu\w*)"
        r"(?=\s*(?:[,.;:!?)]|$|a mon avis|selon moi))",
        not_before=r"(?:wifi|connexion|reseau|internet|horaires?|meteo|information\w*|infos?|site|application|app"
        r"|transport\w*|bus|train|compagnie|airline|paiement|payment|dossier|document\w*|photo\w*|source\w*|loueur"
        r"|hotel\w*|agence|prestataire\w*|fournisseur\w*|guide\w*|chauffeur\w*|driver\w*|supplier\w*|partenaire\w*)"
        r"(?:\s+\S+){0,3}",
    ),
    # -- holdout-f's families -------------------------------------------------------------------------
    # HEALTH: a body part with an operation, a pain or a weakness ("knee op", "hanche opérée", "a bad hip").
    rule(
        HEALTH,
        rf"(?:{BODY_EN}|heart|eyes?|cataract|bypass|brain|kidney|liver|lung|bladder|bowel)s? (?:op|ops|operation"
        r"|surgery|replacement|transplant|problems?|issues?|injur(?:y|ies)|pain|condition)\b"
        rf"|(?:bad|weak|dodgy|gammy|fragile|dicky|mauvaise?s?) (?:{BODY_EN}|heart|coeur|dos|genoux|genou|hanches?)"
        rf"|(?:{BODY_FR}|coeur|yeux|oeil|rein|foie|poumons?|cerveau)s? (?:operee?s?|fragiles?|douloureu\w*|abimee?s?"
        r"|en vrac|greffee?s?|pose\w* d'une prothese)|psy suivi\w*|(?:suivi|suivie)e?s? (?:par un |chez un )?psy\w*"
        r"|malade du coeur|malade des (?:reins|poumons)",
        not_before=r"(?:photo|room|leg|chambre)\s*",
        not_after=r"\s*(?:of|du|de la|des)\b",
    ),
    # CRIMINAL_OFFENCE: a record by its short name, with what it holds ("Casier (vol)", "casier : vol").
    rule(CRIMINAL_OFFENCE, r"casiers?(?: judiciaires?)?(?=\s*(?:\(|:|pour\b|charge\b|avec\b))"),
    # -- holdout-g's families -------------------------------------------------------------------------
    # HEALTH: a wider lexicon of conditions, devices and procedures, by stem.
    rule(
        HEALTH,
        r"amblyop\w*|strabism\w*|retinopath\w*|decollement de (?:la )?retine|retinal detachment|keratocone|keratoconus"
        r"|(?:perdu|perte de) la vue|lost (?:the |his |her )?sight|sight loss|vision loss|low vision"
        r"|registered (?:blind"
        r"|disabled|partially sighted|deaf)|hearing loop|boucle magnetique|implants? cochleaires?|cochlear implants?"
        r"|acouphenes?|tinnitus|(?:jambe|bras|main|membre|pied)s? artificiel\w*|artificial (?:leg|limb|arm|hand)s?"
        r"|prosthe\w*|insuffisance veineuse|varices|embolie\w*|bas de contention|compression (?:stockings|socks)"
        r"|(?-i:DVT)|deep vein|valves? cardiaques?|heart valves?|arythmi\w*|arrhythmi\w*|fibrillation|tachycard\w*"
        r"|bradycard\w*|angina|angor|hypotension|anevrism\w*|aneurysm\w*|narcolep\w*|motor neurone|(?-i:SLA|ALS)"
        r"|huntington|tourette|dystoni\w*|neuropath\w*|traumatisme cranien|(?:head|brain) injur\w*|lesions? cerebrales?"
        r"|emphysem\w*|pneumothorax|stomie\w*|stomis\w*|\w+otomis\w*|\w{3,}otom(?:y|ie|ies)|rectocolite"
        r"|anneau gastrique"
        r"|gastric (?:band|bypass|sleeve)|sleeve gastrique|bypass gastrique|hypothyro\w*|hyperthyro\w*|calculs? renaux"
        r"|kidney stones?|carcinom\w*|melanom\w*|sarcom\w*|myelom\w*|glioblastom\w*|adenom\w*|fibromes?|fibroids?"
        r"|psychos(?:e|is|es)|(?-i:OCD|TSA|TSPT)|dysphasi\w*|dyscalculi\w*|psoriasis|eczema|vitiligo|urticaire"
        r"|ligaments? croises?|cruciate ligament|(?-i:ACL)|attelle|splint|neck brace|minerve|grabataire|alitee?"
        r"|bedridden|bedbound|perfusions?|(?:on|under) (?:a )?drip|waiting list for (?:a |an |his |her )?"
        r"(?:\w+ )?(?:surgery|operation|transplant|replacement|op)",
        not_before=r"(?:musee|museum|expo\w*|exhibition)(?:\s+\S+){0,3}",
    ),
    # CRIMINAL_OFFENCE: a ban on travel ordered by a court.
    rule(
        CRIMINAL_OFFENCE,
        r"travel ban|interdiction de (?:voyager|sortie)|court order|decision de justice|ordonnance du juge",
        needs=r"\b(?:court|justice|juge|judge|tribunal|following|suite a|ordered|ordonne\w*|ban|interdiction)\b",
        needs_sentence=True,
        not_before=r"(?:custody|garde|divorce|family)(?:\s+\S+){0,3}",
    ),
    # POLITICAL_OPINION: a party by its full name ("the Scottish National Party", "le parti animaliste").
    rule(
        POLITICAL_OPINION,
        r"(?-i:(?:[A-Z]\w+ ){1,3}Party)|(?:du|au|le) parti (?!pris\b)\w+",
        needs=PARTY_CUE,
        not_after=r"\s*(?:bus|boat|room|salle|de plaisir)",
    ),
    # JUDGEMENT: a person called a plague, a pest, a windbag; "bête à manger du foin".
    rule(
        JUDGEMENT,
        r"(?:un |une |vrai |vraie |quel |quelle |such a |a real |sacre |sacree )+(?:peste|plaie|poison|teigne|vipere"
        r"|chipie|chameau|calvaire|baratineu\w*|gamine?)|baratineu\w*|bete (?:comme (?!chou)|a manger )\w+(?: \w+)?"
        r"|(?:raconte|dit|dire) (?:vraiment )?n'importe quoi|talks? (?:utter )?nonsense|full of (?:it|crap|shit)",
    ),
    # -- holdout-h's families -------------------------------------------------------------------------
    rule(
        HEALTH,
        r"dement|demente|dements|dementes|demented|stammer\w*|stutter\w*|begai\w*|begues?|restless legs?"
        r"|jambes sans repos|brittle bones?|os de verre|osteogenes\w*|(?:pneumo|broncho|cardio|myo|neuro|nephro|retino"
        r"|encephalo|hepato|uro|arthro|coronaro)[- ]?path(?:y|ie|ies|ies)",
    ),
    rule(
        SEXUAL_ORIENTATION,
        r"(?:is|am|'m|est|suis|are|sont) bi(?![-\w])|his male partner|her female partner|son partenaire masculin"
        r"|sa partenaire feminine",
    ),
    rule(
        CRIMINAL_OFFENCE,
        r"(?:on|released on|out on) licence",
        needs=r"\b(?:prison|jail|officer|probation|parole)\b",
        needs_sentence=True,
    ),
    rule(
        JUDGEMENT,
        r"(?:client\w*|monsieur|madame|il|elle|he|she) (?:est |is |always |toujours |tout le temps )*de mauvaise humeur"
        r"|(?:total|real|absolute|such a|une vraie|vraie|quelle) (?:diva|prima donna|princesse|princess)",
    ),
    # -- holdout-i's families -------------------------------------------------------------------------
    rule(
        HEALTH,
        rf"(?:{BODY_EN})s? (?:replaced|scoped|reconstructed|fused|pinned)|(?:arthro|colono|colo|endo|fibro)scop\w*"
        r"|biops\w*|(?:is|was|are|'s|est|sont|etait) (?:totally |completely |partially |legally |almost )?(?P<hit>blind"
        r"|deaf|aveugle|sourde?)(?!\s*(?:to|spot|date|-|a |au ))",
    ),
    rule(
        RELIGION,
        r"(?:friday|vendredi|sunday|dimanche|daily|quotidiennes?|cinq|five|5) (?:prayers?|prieres?)"
        r"|prieres? du (?:vendredi"
        r"|soir|matin)|prayers? (?:on|every) (?:friday|saturday|sunday)",
    ),
    # -- holdout-j's families (after its first run) -----------------------------------------------------
    rule(
        HEALTH,
        r"convulsions?|seizures?|crises? convulsives?|(?:triple|double|quadruple|coronary|heart) bypass",
    ),
    rule(
        POLITICAL_OPINION,
        r"(?:card-carrying|staunch|lifelong|diehard|committed|loyal|encarte\w*) (?P<hit>(?-i:Conservative|Labour|Tory"
        r"|Liberal Democrat|Lib Dem|Republican|Democrat|Socialist|Communist|Green|Gaulliste|Socialiste|Communiste))",
    ),
)
